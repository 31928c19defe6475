package io.sluice.tools;

import io.sluice.client.ClientConfig;
import io.sluice.client.Publication;
import io.sluice.client.PublicationEndpoint;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import io.sluice.core.util.EpochClock;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code sluice produce}: a load generator that publishes numbered messages to one stream, at a fixed rate or as
 * fast as the relay takes them, and reports how many it sent and how often it was back-pressured.
 * <p>
 * A paced run stamps each message with its <em>intended</em> send time ({@code start + i / rate}), not the time
 * the offer finally succeeded, so that time spent back-pressured shows up as latency at the consumer instead of
 * silently stretching the schedule (coordinated omission).
 * <p>
 * It publishes through an {@link io.sluice.client.ExclusivePublication} (claim, copy once, commit), or with
 * {@code --offer} through a shared {@link io.sluice.client.Publication}, to compare.
 */
@Command(
    name = "produce",
    mixinStandardHelpOptions = true,
    versionProvider = ProduceCommand.Version.class,
    sortOptions = false,
    description = {
        "Publishes numbered messages to a stream, paced or as fast as possible, and reports how many were sent "
            + "and how often the relay pushed back.",
        "Each payload starts with the message's 0-based index as a big-endian long. A paced run stamps each "
            + "message with its intended send time, so time spent back-pressured shows up as consumer latency.",
        "Publishes through an exclusive publication: each message is claimed in the memory the socket is written "
            + "from, copied in once and committed (--offer for the shared publication's offer).",
        "Without --count or --duration it runs until Ctrl-C."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:done",
        "1:could not connect, or the connection was lost",
        "2:bad command line"})
public final class ProduceCommand implements Callable<Integer>
{
    /** Smallest payload: room for the message index. */
    public static final int MIN_SIZE = 8;

    private static final long SECOND_NANOS = TimeUnit.SECONDS.toNanos(1);
    // Runs this short finish before a progress line would help; see progressStart.
    private static final long QUIET_RUN_NANOS = TimeUnit.SECONDS.toNanos(3);
    // Give up waiting for the relay's ACKs after this long without any progress.
    private static final long ACK_STALL_NANOS = TimeUnit.SECONDS.toNanos(10);

    @Spec
    private CommandSpec spec;

    @Option(names = "--stream", required = true, paramLabel = "S", description = "Stream name.")
    private String stream;

    @Mixin
    private ConnectionOptions connection = new ConnectionOptions();

    @Option(names = "--rate", defaultValue = "max", paramLabel = "N|max", converter = RateConverter.class,
        description = "Messages per second, or max (default: ${DEFAULT-VALUE}).")
    private double rate;

    @Option(names = "--size", defaultValue = "64", paramLabel = "BYTES",
        description = "Payload bytes, at least " + MIN_SIZE + " (default: ${DEFAULT-VALUE}).")
    private int size;

    @Option(names = "--keys", defaultValue = "0", paramLabel = "N",
        description = "Send keyed messages (for latest-by-key): message i carries key i %% N in its first 8 payload"
            + " bytes (default: 0, unkeyed).")
    private int keys;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    private RunLimit limit;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the result as one JSON object to FILE.")
    private Path json;

    @Option(names = "--offer",
        description = "Publish with the shared publication's offer, which copies each message into a ring that the "
            + "connection's event loop copies again, instead of claiming room in an exclusive publication's log and "
            + "copying it once; to compare the two.")
    private boolean offer;

    private volatile boolean running = true;

    @Override
    public Integer call()
    {
        validate();
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final ClientConfig config = connection.clientConfig(spec,
            Math.max(size, ClientConfig.DEFAULT_MAX_MESSAGE_LENGTH));

        final CountDownLatch finished = new CountDownLatch(1);
        final Thread stopHook = stopHook("produce", finished);
        try (SluiceClient client = new SluiceClient(config))
        {
            final Outlet outlet;
            try
            {
                outlet = offer ? Outlet.offering(client.publish(stream)) :
                    Outlet.claiming(client.publishExclusive(stream));
            }
            catch (final SluiceException ex)
            {
                err.println("produce: " + ex.getMessage());
                return 1;
            }
            return run(outlet, out, err);
        }
        finally
        {
            finished.countDown();
            removeHook(stopHook);
        }
    }

    private void validate()
    {
        if (size < MIN_SIZE)
        {
            throw new ParameterException(spec.commandLine(),
                "--size must be at least " + MIN_SIZE + " (the message index), was " + size);
        }
        if (keys < 0)
        {
            throw new ParameterException(spec.commandLine(), "--keys must be 0 (unkeyed) or more, was " + keys);
        }
        RunLimit.validate(limit, spec);
    }

    private int run(final Outlet outlet, final PrintWriter out, final PrintWriter err)
    {
        final PublicationEndpoint publication = outlet.publication();
        if (size > publication.maxPayloadLength())
        {
            publication.close();
            throw new ParameterException(spec.commandLine(), "--size " + size + " exceeds the largest payload the "
                + "relay takes, " + publication.maxPayloadLength() + " (its max-frame-length less the 32-byte header)");
        }
        final UnsafeBuffer payload = newPayload(size);
        final long count = RunLimit.count(limit);
        final long durationNanos = RunLimit.durationNanos(limit);
        final boolean paced = rate > 0;
        final int flags = keys > 0 ? io.sluice.core.protocol.FrameDescriptor.FLAG_KEYED : 0;
        final double nanosPerMessage = paced ? SECOND_NANOS / rate : 0;
        final BackoffIdleStrategy idle = new BackoffIdleStrategy(100, 10, 1_000, 100_000);

        final long start = EpochClock.nanos();
        final long deadline = durationNanos == Long.MAX_VALUE ? Long.MAX_VALUE : start + durationNanos;
        long nextProgress = start + progressStart(count != Long.MAX_VALUE, durationNanos);
        long lastProgress = start;
        long sentAtProgress = 0;
        long backPressuredAtProgress = 0;

        long sent = 0;
        long backPressured = 0;
        String failure = null;
        boolean badSize = false;

        send:
        while (sent < count && running)
        {
            long now = EpochClock.nanos();
            final long timestamp;
            if (paced)
            {
                // Intended send time of message i; waiting for it is what paces the run.
                timestamp = start + (long)(sent * nanosPerMessage);
                if (timestamp >= deadline)
                {
                    break;
                }
                while (now < timestamp && running)
                {
                    final long wait = timestamp - now;
                    if (wait > 100_000)
                    {
                        // parkNanos overshoots by tens of microseconds: park short of the target, spin the rest.
                        LockSupport.parkNanos(wait - 60_000);
                    }
                    else
                    {
                        Thread.onSpinWait();
                    }
                    now = EpochClock.nanos();
                }
            }
            else
            {
                timestamp = 0;
            }
            payload.putLong(0, keys > 0 ? sent % keys : sent, ByteOrder.BIG_ENDIAN);
            idle.reset();
            while (true)
            {
                if (now >= deadline || !running)
                {
                    break send;
                }
                if (now >= nextProgress)
                {
                    final double seconds = (now - lastProgress) / (double)SECOND_NANOS;
                    err.printf(Locale.ROOT, "produce: %5ds  sent %,12.0f/s  back-pressured %,12.0f/s  total %,d%n",
                        (now - start) / SECOND_NANOS, (sent - sentAtProgress) / seconds,
                        (backPressured - backPressuredAtProgress) / seconds, sent);
                    err.flush();
                    lastProgress = now;
                    sentAtProgress = sent;
                    backPressuredAtProgress = backPressured;
                    nextProgress = now + SECOND_NANOS;
                }
                final long result = outlet.send(payload, size, flags, timestamp);
                if (result >= 0)
                {
                    sent++;
                    break;
                }
                if (result == Publication.BACK_PRESSURED)
                {
                    // Retry the same message: the index sequence stays dense and the timestamp stays intended.
                    backPressured++;
                    idle.idle();
                    now = EpochClock.nanos();
                }
                else if (result == Publication.MESSAGE_TOO_LARGE)
                {
                    badSize = true;
                    break send;
                }
                else
                {
                    failure = describeLoss(publication);
                    break send;
                }
            }
        }
        // The send loop's own time, back-pressured stretches included; waiting for ACKs below is not sending.
        final long end = EpochClock.nanos();

        if (failure == null && !badSize)
        {
            failure = awaitAcks(publication, sent - 1);
        }
        final boolean lost = failure != null && !publication.isConnected();
        final long acknowledged = publication.ackedSequence() + 1;
        publication.close();
        if (badSize)
        {
            throw new ParameterException(spec.commandLine(), "--size " + size + " is larger than the publication accepts");
        }

        final double elapsedSeconds = (end - start) / (double)SECOND_NANOS;
        final double ratePerSecond = elapsedSeconds > 0 ? sent / elapsedSeconds : 0;
        out.printf(Locale.ROOT, "produced %,d messages of %d bytes to '%s' in %.3f s: %,.0f msg/s, %,d back-pressured offers%n",
            sent, size, stream, elapsedSeconds, ratePerSecond, backPressured);
        if (failure != null)
        {
            out.printf(Locale.ROOT, "  %s; the relay acknowledged %,d of them%n", failure, acknowledged);
            err.println("produce: " + failure);
        }
        out.flush();
        if (json != null)
        {
            final Map<String, Object> result = new LinkedHashMap<>();
            result.put("stream", stream);
            result.put("sent", sent);
            result.put("backPressured", backPressured);
            result.put("elapsedSeconds", round3(elapsedSeconds));
            result.put("ratePerSecond", round3(ratePerSecond));
            result.put("payloadBytes", size);
            result.put("acknowledged", acknowledged);
            result.put("connectionLost", lost);
            result.put("error", failure);
            if (!writeJson(json, result, err))
            {
                return 1;
            }
        }
        return failure == null ? 0 : 1;
    }

    // Everything offered should reach the relay before the summary claims it was sent: wait for the relay's
    // cumulative ACK of the last sequence (sequences start at 0 on each connection). A slow consumer can make
    // that take a while, so wait as long as ACKs keep advancing.
    private static String awaitAcks(final PublicationEndpoint publication, final long lastSequence)
    {
        long acked = publication.ackedSequence();
        long progressAt = System.nanoTime();
        while (acked < lastSequence)
        {
            if (!publication.isConnected())
            {
                return describeLoss(publication);
            }
            LockSupport.parkNanos(1_000_000);
            final long now = System.nanoTime();
            final long a = publication.ackedSequence();
            if (a != acked)
            {
                acked = a;
                progressAt = now;
            }
            else if (now - progressAt > ACK_STALL_NANOS)
            {
                return "the relay acknowledged only up to sequence " + acked + " of " + lastSequence +
                    " and stopped acknowledging";
            }
        }
        return null;
    }

    private static String describeLoss(final PublicationEndpoint publication)
    {
        final String reason = publication.closeReason();
        return "connection lost: " + (reason != null ? reason : "closed");
    }

    private static UnsafeBuffer newPayload(final int size)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(size));
        // Printable filler so that a captured payload is easy to recognise.
        for (int i = Long.BYTES; i < size; i++)
        {
            buffer.putByte(i, (byte)('a' + (i % 26)));
        }
        return buffer;
    }

    private Thread stopHook(final String name, final CountDownLatch finished)
    {
        return installStopHook(name, () -> running = false, finished);
    }

    /**
     * Ctrl-C: ask the loop to stop, then hold the JVM until the command has printed its summary and written its
     * JSON (up to 10 s), so an interrupted run still reports.
     */
    static Thread installStopHook(final String name, final Runnable stop, final CountDownLatch finished)
    {
        final Thread hook = new Thread(() ->
        {
            stop.run();
            try
            {
                finished.await(10, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }, "sluice-" + name + "-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        return hook;
    }

    static void removeHook(final Thread hook)
    {
        try
        {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        catch (final IllegalStateException shuttingDown)
        {
            // The hook is running: nothing to remove.
        }
    }

    /**
     * When the first progress line is due, relative to the start: runs that may be over within 3 s stay quiet.
     * A count-limited run cannot know its length, so it starts reporting once it has lasted longer than 3 s.
     */
    static long progressStart(final boolean countLimited, final long durationNanos)
    {
        if (countLimited)
        {
            return QUIET_RUN_NANOS + SECOND_NANOS;
        }
        return durationNanos <= QUIET_RUN_NANOS ? Long.MAX_VALUE / 2 : SECOND_NANOS;
    }

    static boolean writeJson(final Path file, final Map<String, ?> result, final PrintWriter err)
    {
        try
        {
            Json.writeFile(file, result);
            return true;
        }
        catch (final IOException ex)
        {
            err.println("cannot write " + file + ": " + ex);
            return false;
        }
    }

    static double round3(final double value)
    {
        return Math.round(value * 1000.0) / 1000.0;
    }

    /**
     * Parses durations such as {@code 500ms}, {@code 10s}, {@code 1.5m}, {@code 2h} (units ns, us, ms, s, m, h),
     * or ISO-8601 such as {@code PT10S}.
     */
    public static final class DurationConverter implements ITypeConverter<Duration>
    {
        private static final Pattern FORMAT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ns|us|µs|ms|s|m|h)");

        @Override
        public Duration convert(final String value)
        {
            return parse(value);
        }

        /**
         * @param value text such as {@code 10s}.
         * @return the duration.
         * @throws TypeConversionException when the text is not a duration.
         */
        public static Duration parse(final String value)
        {
            final String text = value.trim();
            final Matcher m = FORMAT.matcher(text.toLowerCase(Locale.ROOT));
            if (m.matches())
            {
                final double amount = Double.parseDouble(m.group(1));
                final long unitNanos;
                switch (m.group(2))
                {
                    case "ns": unitNanos = 1; break;
                    case "us":
                    case "µs": unitNanos = 1_000; break;
                    case "ms": unitNanos = 1_000_000; break;
                    case "s": unitNanos = SECOND_NANOS; break;
                    case "m": unitNanos = 60 * SECOND_NANOS; break;
                    default: unitNanos = 3_600 * SECOND_NANOS; break;
                }
                final double nanos = amount * unitNanos;
                if (nanos >= Long.MAX_VALUE)
                {
                    throw new TypeConversionException("duration too long: '" + value + "'");
                }
                return Duration.ofNanos(Math.round(nanos));
            }
            if (text.regionMatches(true, 0, "PT", 0, 2))
            {
                try
                {
                    return Duration.parse(text);
                }
                catch (final RuntimeException ex)
                {
                    // Fall through to the common message.
                }
            }
            throw new TypeConversionException("'" + value + "' is not a duration: use a number and a unit, e.g. 500ms, 10s, 2m");
        }
    }

    /**
     * Parses a rate: a positive number of messages per second, or {@code max} (returned as 0: no pacing).
     */
    public static final class RateConverter implements ITypeConverter<Double>
    {
        @Override
        public Double convert(final String value)
        {
            if ("max".equalsIgnoreCase(value.trim()))
            {
                return 0.0;
            }
            final double rate;
            try
            {
                rate = Double.parseDouble(value.trim());
            }
            catch (final NumberFormatException ex)
            {
                throw new TypeConversionException("'" + value + "' is not a rate: use messages per second or max");
            }
            if (!(rate > 0) || Double.isInfinite(rate))
            {
                throw new TypeConversionException("rate must be positive, was '" + value + "'");
            }
            return rate;
        }
    }

    /**
     * The version from the jar manifest ({@code Implementation-Version}), for {@code produce --version} and
     * {@code consume --version}.
     */
    public static final class Version implements IVersionProvider
    {
        @Override
        public String[] getVersion()
        {
            final String version = ProduceCommand.class.getPackage().getImplementationVersion();
            return new String[] {"sluice " + (version != null ? version : "(development build)")};
        }
    }
}
