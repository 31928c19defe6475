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
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

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
 * <p>
 * This class holds the options and the send loop; {@link Pacer} keeps the schedule, {@link MessagePayload} numbers
 * the messages, {@link ProduceProgress} prints the line a second, {@link AckWait} waits for the relay's ACKs and
 * {@link ProduceSummary} reports the run.
 */
@Command(
    name = "produce",
    mixinStandardHelpOptions = true,
    versionProvider = ToolsVersion.class,
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
        final Thread stopHook = StopHook.install("produce", () -> running = false, finished);
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
            StopHook.remove(stopHook);
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
        final MessagePayload payload = new MessagePayload(size, keys);
        final UnsafeBuffer buffer = payload.buffer();
        final int flags = payload.flags();
        final long count = RunLimit.count(limit);
        final long durationNanos = RunLimit.durationNanos(limit);
        final BooleanSupplier isRunning = () -> running;
        final BackoffIdleStrategy idle = new BackoffIdleStrategy(100, 10, 1_000, 100_000);

        final long start = EpochClock.nanos();
        final Pacer pacer = new Pacer(start, rate);
        final boolean paced = pacer.paced();
        final long deadline = durationNanos == Long.MAX_VALUE ? Long.MAX_VALUE : start + durationNanos;
        final ProduceProgress progress = new ProduceProgress(err, start,
            progressStart(count != Long.MAX_VALUE, durationNanos));

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
                timestamp = pacer.intendedNanos(sent);
                if (timestamp >= deadline)
                {
                    break;
                }
                now = Pacer.awaitUntil(timestamp, now, isRunning);
            }
            else
            {
                timestamp = 0;
            }
            payload.number(sent);
            idle.reset();
            while (true)
            {
                if (now >= deadline || !running)
                {
                    break send;
                }
                progress.onTick(now, sent, backPressured);
                final long result = outlet.send(buffer, size, flags, timestamp);
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
                    failure = AckWait.describeLoss(publication);
                    break send;
                }
            }
        }
        // The send loop's own time, back-pressured stretches included; waiting for ACKs below is not sending.
        final long end = EpochClock.nanos();

        if (failure == null && !badSize)
        {
            failure = AckWait.awaitAcks(publication, sent - 1);
        }
        final boolean lost = failure != null && !publication.isConnected();
        final long acknowledged = publication.ackedSequence() + 1;
        publication.close();
        if (badSize)
        {
            throw new ParameterException(spec.commandLine(), "--size " + size + " is larger than the publication "
                + "accepts");
        }

        final ProduceSummary summary = new ProduceSummary(stream, size, sent, backPressured, end - start,
            acknowledged, lost, failure);
        summary.print(out, err);
        if (json != null && !Json.writeOrReport(json, summary.toJson(), err))
        {
            return 1;
        }
        return failure == null ? 0 : 1;
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
}
