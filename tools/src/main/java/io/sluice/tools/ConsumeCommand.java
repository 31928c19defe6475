package io.sluice.tools;

import io.sluice.client.AckMode;
import io.sluice.client.ClientConfig;
import io.sluice.client.MessageHandler;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import io.sluice.client.SubscribeOptions;
import io.sluice.client.SubscriberEndpoint;
import io.sluice.core.protocol.Header;
import io.sluice.core.util.EpochClock;
import org.HdrHistogram.Histogram;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code sluice consume}: subscribes to one stream, optionally as a deliberately slow consumer, and checks what
 * arrives: per-source ordering (out-of-order and duplicate sequences), the relay's GAP notices, and end-to-end
 * latency from each message's timestamp to its delivery.
 */
@Command(
    name = "consume",
    mixinStandardHelpOptions = true,
    versionProvider = ToolsVersion.class,
    sortOptions = false,
    description = {
        "Subscribes to a stream, checks per-source ordering (out-of-order, duplicates, GAP notices) and measures "
            + "latency from each message's timestamp to its delivery.",
        "A source's first message sets its expected sequence, so joining a running stream is not an error. "
            + "Elapsed time and rate are measured from the first message to the last.",
        "Checks each message in a handler on the connection's event loop, over the socket's read buffer (--poll, or "
            + "--rate, to poll a subscription on the command's thread instead)."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:done",
        "1:could not connect, or the connection was lost",
        "2:bad command line"})
public final class ConsumeCommand implements Callable<Integer>
{
    private static final long SECOND_NANOS = TimeUnit.SECONDS.toNanos(1);
    // Most frames one poll delivers: bounds the time between stop checks.
    private static final int POLL_LIMIT = 256;
    // A pass of the loop this much later than the last means the process did not run (stopped, descheduled): the
    // idle time restarts, since what arrived meanwhile may still be on its way from the socket.
    private static final long OWN_STALL_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    @Spec
    private CommandSpec spec;

    @Option(names = "--stream", required = true, paramLabel = "S", description = "Stream name.")
    private String stream;

    @Option(names = "--subscription", paramLabel = "NAME", defaultValue = "",
        description = "Durable subscription name: under the spill strategy the relay keeps this subscription's "
            + "backlog on disk across disconnects and restarts, and hands it over when it reconnects (default: none).")
    private String subscriptionName;

    @Option(names = "--ack",
        description = "Acknowledged delivery: acknowledge each message once counted, so the relay sends at most a "
            + "window of unacknowledged ones, and a durable subscription's unacknowledged messages come again, "
            + "flagged redelivered, on its next connection. Adds redelivered, firstPosition and lastPosition to the "
            + "result.")
    private boolean ack;

    @Option(names = "--window", paramLabel = "N", defaultValue = "0",
        description = "With --ack: most messages delivered and not acknowledged (default: the relay's).")
    private int windowMessages;

    @Option(names = "--window-bytes", paramLabel = "SIZE", defaultValue = "0", converter = ByteSizeConverter.class,
        description = "With --ack: most bytes of frames delivered and not acknowledged, such as 4MiB "
            + "(default: the relay's).")
    private int windowBytes;

    @Mixin
    private ConnectionOptions connection = new ConnectionOptions();

    @Option(names = "--rate", paramLabel = "N",
        description = "Take at most N messages per second, to act as a slow consumer (default: unlimited).")
    private Double rate;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    private RunLimit limit;

    @Option(names = "--idle-timeout", defaultValue = "5s", paramLabel = "D", converter = DurationConverter.class,
        description = "Stop when no message came for D, once one has (default: ${DEFAULT-VALUE}). Time the process "
            + "was stopped does not count.")
    private Duration idleTimeout;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the result as one JSON object to FILE.")
    private Path json;

    @Option(names = "--poll",
        description = "Take messages with Subscription.poll on this command's thread, from a ring the connection's "
            + "event loop copies them into, instead of checking them in a handler on the event loop over the socket's "
            + "read buffer; to compare the two. Implied by --rate, which paces the polls.")
    private boolean poll;

    private volatile boolean running = true;

    @Override
    public Integer call()
    {
        validate();
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final ClientConfig config = connection.clientConfig(spec, ClientConfig.DEFAULT_MAX_MESSAGE_LENGTH);

        final CountDownLatch finished = new CountDownLatch(1);
        final Thread stopHook = StopHook.install("consume", () -> running = false, finished);
        final Checker checker = new Checker(RunLimit.count(limit));
        try (SluiceClient client = new SluiceClient(config))
        {
            final Intake intake;
            try
            {
                intake = poll || rate != null ?
                    Intake.polling(client.subscribe(stream, subscriptionName, subscribeOptions()), checker) :
                    Intake.callback(client.subscribe(stream, subscriptionName, subscribeOptions(), checker), checker);
            }
            catch (final SluiceException ex)
            {
                err.println("consume: " + ex.getMessage());
                return 1;
            }
            return run(intake, checker, out, err);
        }
        finally
        {
            finished.countDown();
            StopHook.remove(stopHook);
        }
    }

    // The command acknowledges what the checker counted, from its own thread: explicit, so that what a read brings
    // past --count is left to a later connection.
    private SubscribeOptions subscribeOptions()
    {
        return ack ? SubscribeOptions.acknowledged().window(windowMessages, windowBytes).ackMode(AckMode.EXPLICIT) :
            SubscribeOptions.DEFAULT;
    }

    private void validate()
    {
        if (!ack && (windowMessages != 0 || windowBytes != 0))
        {
            throw new ParameterException(spec.commandLine(), "--window and --window-bytes need --ack");
        }
        if (windowMessages < 0)
        {
            throw new ParameterException(spec.commandLine(), "--window must not be negative, was " + windowMessages);
        }
        if (rate != null && !(rate > 0 && Double.isFinite(rate)))
        {
            throw new ParameterException(spec.commandLine(), "--rate must be positive, was " + rate);
        }
        RunLimit.validate(limit, spec);
        if (idleTimeout.isZero() || idleTimeout.isNegative())
        {
            throw new ParameterException(spec.commandLine(), "--idle-timeout must be positive");
        }
    }

    private int run(final Intake intake, final Checker checker, final PrintWriter out, final PrintWriter err)
    {
        final SubscriberEndpoint subscription = intake.subscription();
        final long count = RunLimit.count(limit);
        final long durationNanos = RunLimit.durationNanos(limit);
        final long idleNanos = idleTimeout.toNanos();
        final boolean paced = rate != null;
        final double nanosPerMessage = paced ? SECOND_NANOS / rate : 0;
        // About a millisecond's worth per poll keeps a paced consumer smooth rather than bursty.
        final int pacedBatch = paced ? (int)Math.max(1, Math.min(POLL_LIMIT, rate / 1000)) : POLL_LIMIT;
        // Polling backs off to 100 us; a callback subscription's thread only watches, so it looks once a millisecond.
        final IdleStrategy idle = poll || paced ? new BackoffIdleStrategy(100, 10, 1_000, 100_000) :
            new SleepingMillisIdleStrategy(1);

        final long start = EpochClock.nanos();
        final long deadline = durationNanos == Long.MAX_VALUE ? Long.MAX_VALUE : start + durationNanos;
        long nextProgress = start + ProduceCommand.progressStart(count != Long.MAX_VALUE, durationNanos);
        long lastProgress = start;
        long receivedAtProgress = 0;
        long paceOrigin = start;
        long paceBase = 0;
        // When polls began to come back empty, or 0 while messages arrive: idle is what this loop saw, not the time
        // since the last message, which would count a stopped process's pause and leave what waited unread.
        long emptySince = 0;
        long lastPass = start;

        while (running)
        {
            final long now = EpochClock.nanos();
            if (now - lastPass > OWN_STALL_NANOS)
            {
                emptySince = 0;
            }
            lastPass = now;
            final long received = checker.seen();
            if (received >= count || now >= deadline)
            {
                break;
            }
            if (now >= nextProgress)
            {
                final double seconds = (now - lastProgress) / (double)SECOND_NANOS;
                err.printf(Locale.ROOT, "consume: %5ds  received %,12.0f/s  total %,d  outOfOrder %d  gaps %d%n",
                    (now - start) / SECOND_NANOS, (received - receivedAtProgress) / seconds, received,
                    checker.outOfOrderSeen, checker.gapsSeen);
                err.flush();
                lastProgress = now;
                receivedAtProgress = received;
                nextProgress = now + SECOND_NANOS;
            }
            int pollLimit = (int)Math.min(POLL_LIMIT, count - received);
            if (paced)
            {
                // Message paceBase + k may be taken at paceOrigin + k / rate.
                final long due = received - paceBase;
                final long dueAt = paceOrigin + (long)(due * nanosPerMessage);
                if (now < dueAt)
                {
                    LockSupport.parkNanos(Math.min(dueAt - now, 10_000_000));
                    continue;
                }
                final long allowed = 1 + (long)((now - paceOrigin) / nanosPerMessage) - due;
                pollLimit = (int)Math.min(pollLimit, Math.min(allowed, pacedBatch));
            }
            final int taken = intake.take(pollLimit);
            acknowledgeCounted(subscription, checker);
            if (taken > 0)
            {
                idle.reset();
                emptySince = 0;
                continue;
            }
            if (intake.isDrained())
            {
                break;
            }
            if (emptySince == 0)
            {
                emptySince = now;
            }
            else if (received > 0 && now - emptySince >= idleNanos)
            {
                break;
            }
            if (paced)
            {
                // Starved, not slow: restart the schedule so the wait earns no credit for a later burst.
                paceOrigin = EpochClock.nanos();
                paceBase = checker.seen();
            }
            idle.idle();
        }
        // Lost before the run was over (a count not reached): what the relay had in flight for us is gone.
        final boolean lost = !subscription.isConnected() && checker.seen() < count;
        final String failure = lost ? "connection lost: " + Objects.requireNonNullElse(subscription.closeReason(),
            "closed") + "; what was in flight to this consumer then is lost, and not counted as gaps" : null;
        acknowledgeCounted(subscription, checker);
        // From here on the checker is not called: its counts are final and visible to this thread.
        subscription.close();

        final long received = checker.received;
        final double elapsedSeconds = received > 0 ?
            (checker.lastDeliveryNanos - checker.firstDeliveryNanos) / (double)SECOND_NANOS : 0;
        final double ratePerSecond = elapsedSeconds > 0 ? received / elapsedSeconds : 0;
        final Histogram latency = checker.latencyMicros;
        final long p50 = latency.getValueAtPercentile(50);
        final long p99 = latency.getValueAtPercentile(99);
        final long p999 = latency.getValueAtPercentile(99.9);
        final long max = latency.getMaxValue();

        out.printf(Locale.ROOT, "consumed %,d messages from '%s' (%d source%s) in %.3f s: %,.0f msg/s%n",
            received, stream, checker.sources.size(), checker.sources.size() == 1 ? "" : "s", elapsedSeconds,
            ratePerSecond);
        out.printf(Locale.ROOT, "  outOfOrder %d, duplicates %d, gaps %d (%d messages dropped)%n",
            checker.outOfOrder, checker.duplicates, checker.gaps, checker.gapMessages);
        out.printf(Locale.ROOT, "  latency us: p50 %,d  p99 %,d  p99.9 %,d  max %,d%n", p50, p99, p999, max);
        if (ack)
        {
            out.printf(Locale.ROOT, "  acknowledged positions %d..%d, redelivered %d%n", checker.firstPosition,
                checker.lastPosition, checker.redelivered);
        }
        if (failure != null)
        {
            out.println("  " + failure);
            err.println("consume: " + failure);
        }
        out.flush();
        if (json != null && !Json.writeOrReport(json,
            result(checker, elapsedSeconds, ratePerSecond, lost, failure), err))
        {
            return 1;
        }
        return failure == null ? 0 : 1;
    }

    // The JSON summary.
    private Map<String, Object> result(final Checker checker, final double elapsedSeconds,
        final double ratePerSecond, final boolean lost, final String failure)
    {
        final Histogram latency = checker.latencyMicros;
        final Map<String, Object> latencyJson = new LinkedHashMap<>();
        latencyJson.put("p50", latency.getValueAtPercentile(50));
        latencyJson.put("p99", latency.getValueAtPercentile(99));
        latencyJson.put("p999", latency.getValueAtPercentile(99.9));
        latencyJson.put("max", latency.getMaxValue());
        final Map<String, Object> result = new LinkedHashMap<>();
        result.put("stream", stream);
        result.put("received", checker.received);
        result.put("sources", checker.sources.size());
        result.put("outOfOrder", checker.outOfOrder);
        result.put("duplicates", checker.duplicates);
        result.put("gaps", checker.gaps);
        result.put("gapMessages", checker.gapMessages);
        result.put("elapsedSeconds", Json.round3(elapsedSeconds));
        result.put("ratePerSecond", Json.round3(ratePerSecond));
        result.put("latencyMicros", latencyJson);
        if (ack)
        {
            result.put("redelivered", checker.redelivered);
            result.put("firstPosition", checker.firstPosition);
            result.put("lastPosition", checker.lastPosition);
        }
        result.put("connectionLost", lost);
        result.put("error", failure);
        return result;
    }

    // Acknowledges what the checker has counted (as of its last batch end) and not yet acknowledged.
    private void acknowledgeCounted(final SubscriberEndpoint subscription, final Checker checker)
    {
        final long counted = checker.lastPositionSeen;
        if (ack && counted > subscription.acknowledgedPosition())
        {
            subscription.acknowledge(counted);
        }
    }

    /** Per-source ordering state: the sequence expected next, or -1 before the source's first message. */
    static final class Source
    {
        long expected = -1;
    }

    /**
     * Checks and measures each delivery, up to a count. Runs on the polling thread, or on the event loop of a callback
     * subscription, and publishes its counts to the command's thread at the end of each batch; allocates only when a
     * new source appears.
     */
    static final class Checker implements MessageHandler
    {
        private final long limit;
        volatile long receivedSeen;
        volatile long outOfOrderSeen;
        volatile long gapsSeen;
        volatile long lastPositionSeen;
        final Int2ObjectHashMap<Source> sources = new Int2ObjectHashMap<>();
        // Microseconds, 3 significant digits; resizes itself, so no latency is too large to record.
        final Histogram latencyMicros = new Histogram(3);
        long received;
        long outOfOrder;
        long duplicates;
        long gaps;
        long gapMessages;
        long firstDeliveryNanos;
        long lastDeliveryNanos;
        // Acknowledged delivery: frames flagged redelivered, and the positions of the first and last frame counted.
        long redelivered;
        long firstPosition;
        long lastPosition;
        private int lastSourceId;
        private Source lastSource;

        /**
         * A checker without a limit.
         */
        Checker()
        {
            this(Long.MAX_VALUE);
        }

        /**
         * @param limit messages to take at most; those delivered after it (a callback subscription's handler gets what
         *              the read brought) are not counted.
         */
        Checker(final long limit)
        {
            this.limit = limit;
        }

        /**
         * @return messages received, as of the last batch end; for another thread.
         */
        long seen()
        {
            return receivedSeen;
        }

        @Override
        public void onBatchEnd()
        {
            outOfOrderSeen = outOfOrder;
            gapsSeen = gaps;
            lastPositionSeen = lastPosition;
            receivedSeen = received;
        }

        @Override
        public void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
        {
            if (received >= limit)
            {
                return;
            }
            final long now = EpochClock.nanos();
            if (received == 0)
            {
                firstDeliveryNanos = now;
            }
            lastDeliveryNanos = now;
            received++;
            counted(header);
            // Clocks of two processes can disagree by a little: a negative latency is measurement noise, not news.
            latencyMicros.recordValue(Math.max(0, now - header.timestampNanos()) / 1_000);

            final Source source = source(header.sourceId());
            final long sequence = header.sequence();
            if (source.expected < 0 || sequence == source.expected)
            {
                source.expected = sequence + 1;
            }
            else if (sequence > source.expected)
            {
                // Messages went missing without a GAP notice: count once and resync, so one hole is one error.
                outOfOrder++;
                source.expected = sequence + 1;
            }
            else
            {
                duplicates++;
            }
        }

        @Override
        public void onGap(final Header header)
        {
            if (received < limit)
            {
                counted(header);
            }
            gaps++;
            gapMessages += header.gapDroppedCount();
            // A reported drop is not a hole: the next message of the source may legitimately follow the range.
            final Source source = source(header.sourceId());
            final long next = header.gapToSequence() + 1;
            if (next > source.expected)
            {
                source.expected = next;
            }
        }

        // A frame counted: its position (0 without acknowledged delivery) becomes the last to acknowledge.
        private void counted(final Header header)
        {
            final long position = header.position();
            if (position != 0)
            {
                if (firstPosition == 0)
                {
                    firstPosition = position;
                }
                lastPosition = position;
            }
            if (header.isRedelivered())
            {
                redelivered++;
            }
        }

        private Source source(final int sourceId)
        {
            if (lastSource != null && lastSourceId == sourceId)
            {
                return lastSource;
            }
            Source source = sources.get(sourceId);
            if (source == null)
            {
                source = new Source();
                sources.put(sourceId, source);
            }
            lastSourceId = sourceId;
            lastSource = source;
            return source;
        }
    }
}
