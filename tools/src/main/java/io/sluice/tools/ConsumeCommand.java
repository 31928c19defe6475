package io.sluice.tools;

import io.sluice.client.ClientConfig;
import io.sluice.client.MessageHandler;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import io.sluice.client.SubscriberEndpoint;
import io.sluice.core.protocol.Header;
import io.sluice.core.util.EpochClock;
import org.HdrHistogram.Histogram;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
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
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code sluice consume}: subscribes to one stream, optionally as a deliberately slow consumer, and checks what
 * arrives: per-source ordering (out-of-order and duplicate sequences), the relay's GAP notices, and end-to-end
 * latency from each message's timestamp to its delivery.
 * <p>
 * This class holds the options and opens the subscription; {@link DeliveryOptions} says whether it is durable and
 * acknowledged, {@link Checker} checks each delivery, {@link ConsumeLoop} takes messages until the run is over and
 * {@link ConsumeSummary} reports the run.
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
    @Spec
    private CommandSpec spec;

    @Option(names = "--stream", required = true, paramLabel = "S", description = "Stream name.")
    private String stream;

    @Mixin
    private DeliveryOptions delivery = new DeliveryOptions();

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
                    Intake.polling(client.subscribe(stream, delivery.subscriptionName(), delivery.subscribeOptions()),
                        checker) :
                    Intake.callback(client.subscribe(stream, delivery.subscriptionName(), delivery.subscribeOptions(),
                        checker), checker);
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

    private void validate()
    {
        delivery.validate(spec);
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
        final long count = RunLimit.count(limit);
        new ConsumeLoop(intake, checker, delivery, err).run(count, RunLimit.durationNanos(limit),
            idleTimeout.toNanos(), rate, poll || rate != null, () -> running);

        // Lost before the run was over (a count not reached): what the relay had in flight for us is gone.
        final SubscriberEndpoint subscription = intake.subscription();
        final boolean lost = !subscription.isConnected() && checker.seen() < count;
        final String failure = lost ? "connection lost: " + Objects.requireNonNullElse(subscription.closeReason(),
            "closed") + "; what was in flight to this consumer then is lost, and not counted as gaps" : null;
        delivery.acknowledgeCounted(subscription, checker);
        // From here on the checker is not called: its counts are final and visible to this thread.
        subscription.close();

        final ConsumeSummary summary = new ConsumeSummary(stream, checker, delivery.acknowledged(), lost, failure);
        summary.print(out, err);
        if (json != null && !Json.writeOrReport(json, summary.toJson(), err))
        {
            return 1;
        }
        return failure == null ? 0 : 1;
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
