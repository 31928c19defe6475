package io.sluice.tools;

import io.sluice.client.ClientConfig;
import io.sluice.client.Publication;
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
 * {@code --offer} through a shared {@link io.sluice.client.Publication}, to compare; both hand each message to the
 * client's event loop, which writes the socket. With {@code --direct} it publishes through a
 * {@link io.sluice.client.DirectPublication} instead, whose socket this thread writes itself: no hand-off between
 * threads, which on a machine with few cores costs a good part of the rate, so the command shows what the relay
 * carries. That thread then owes the connection its duty cycle: it flushes before each pacing wait, runs the
 * publication's doWork while it waits, backs off with doWork when back-pressured, and finishes writing before it
 * waits for the ACKs. Direct publications are anonymous and plain TCP ({@link DirectConflicts}). With
 * {@code --invoker} the client has no event loop thread ({@link io.sluice.client.ClientConfig#withInvoker()}) and
 * keeps every option: this thread owes it the same duty cycle ({@link ClientDutyCycle}), which the outlet, the waits
 * and the reconnects run.
 * <p>
 * This class holds the options and the send loop, which talks to an {@link Outlet} of either kind
 * ({@link EventLoopOutlet}, {@link DirectOutlet}); {@link Pacer} keeps the schedule and {@link PacingWait} waits for
 * it, {@link MessagePayload} numbers the messages, {@link ProduceProgress} prints the line a second, {@link AckWait}
 * waits for the relay's ACKs and {@link ProduceSummary} reports the run.
 * <p>
 * With {@code --producer-id} the message index is the frame sequence, from WELCOME's: {@link ResendTally} keeps it
 * across the connections {@link Reconnector} opens again ({@code --reconnect}), so that the messages the relay lacked
 * are regenerated and sent again and the relay, which drops what it already had, delivers each index once.
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
            + "from, copied in once and committed, and the client's event loop writes the socket (--offer for the "
            + "shared publication's offer). With --direct this thread writes the socket itself, with no event loop "
            + "to hand the messages to: on a machine with few cores that hand-off costs a good part of the rate, so "
            + "--direct shows more of what the relay carries. --invoker keeps the client, and every option, without "
            + "its thread: this thread runs the client's I/O.",
        "With --producer-id it publishes as an identified producer: its first message index is the relay's next "
            + "sequence for that id, so a run after an earlier one continues where the relay stopped taking the id's "
            + "messages, and subscribers see one source. --reconnect then keeps trying when the connection is lost "
            + "and sends again what the relay had not taken, which the relay does not deliver twice.",
        "Without --count or --duration it runs until Ctrl-C."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:done",
        "1:could not connect, or the connection was lost (with --reconnect: could not reconnect in time)",
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

    @Option(names = "--direct",
        description = "Publish through a direct publication: this thread frames each message into the buffer the "
            + "socket is written from and writes the socket itself (once 64 KiB are pending, and before each pacing "
            + "wait), with no event loop between it and the relay. Anonymous and plain TCP only: not with --offer, "
            + "--producer-id, --epoch, --reconnect or the --tls options.")
    private boolean direct;

    @Option(names = "--invoker",
        description = "Run the client in the invoker mode, with no event loop thread: this thread runs its I/O "
            + "(writes what is committed, reads the relay's ACKs, sends the heartbeats) between sends and while it "
            + "waits. Every option of the default path is kept; not with --direct.")
    private boolean invoker;

    @Option(names = "--producer-id", paramLabel = "ID",
        description = "Publish as identified producer ID: the relay keeps one source id and the next sequence for "
            + "it, the run numbers its messages from that sequence (so --count N after an earlier run continues "
            + "from where the relay stopped), and the relay drops what is sent again below it.")
    private Long producerId;

    @Option(names = "--epoch", defaultValue = "0", paramLabel = "N",
        description = "The producer's epoch, with --producer-id (default: ${DEFAULT-VALUE}). A higher epoch takes "
            + "the id over from a connection still open; the same epoch is refused while one is.")
    private int epoch;

    @Option(names = "--reconnect",
        description = "With --producer-id: when the connection is lost, keep reconnecting (waits up to 1 s apart, "
            + "until the run's --count or --duration, or Ctrl-C) with the same producer id and epoch, and send again "
            + "from the relay's next sequence what it had not taken; the summary counts them as resent.")
    private boolean reconnect;

    private volatile boolean running = true;

    @Override
    public Integer call()
    {
        validate();
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final ClientConfig settings = connection.clientConfig(spec,
            Math.max(size, ClientConfig.DEFAULT_MAX_MESSAGE_LENGTH));
        final ClientConfig config = invoker ? settings.withInvoker() : settings;

        final CountDownLatch finished = new CountDownLatch(1);
        final Thread stopHook = StopHook.install("produce", () -> running = false, finished);
        // A direct publication needs no client: no event loop thread to start.
        try (SluiceClient client = direct ? null : new SluiceClient(config))
        {
            final PublicationOpener opener = direct ? PublicationOpener.direct(config, stream) :
                new PublicationOpener(client, stream, offer, producerId, epoch);
            final Outlet outlet;
            try
            {
                outlet = opener.open();
            }
            catch (final SluiceException ex)
            {
                err.println("produce: " + ex.getMessage());
                return 1;
            }
            return run(opener, outlet, out, err);
        }
        finally
        {
            finished.countDown();
            StopHook.remove(stopHook);
        }
    }

    private void validate()
    {
        if (direct)
        {
            DirectConflicts.refuseInvoker(spec, invoker);
            DirectConflicts.refuse(spec, connection);
        }
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
        if (producerId == null && (reconnect || epoch != 0))
        {
            throw new ParameterException(spec.commandLine(), "--reconnect and --epoch need --producer-id");
        }
        if (epoch < 0)
        {
            throw new ParameterException(spec.commandLine(), "--epoch must be 0 or more, was " + epoch);
        }
    }

    private int run(final PublicationOpener opener, final Outlet firstOutlet, final PrintWriter out,
        final PrintWriter err)
    {
        Outlet outlet = firstOutlet;
        if (size > outlet.maxPayloadLength())
        {
            outlet.close();
            throw new ParameterException(spec.commandLine(), "--size " + size + " exceeds the largest payload the "
                + "relay takes, " + outlet.maxPayloadLength() + " (its max-frame-length less the 32-byte header)");
        }
        final MessagePayload payload = new MessagePayload(size, keys);
        final UnsafeBuffer buffer = payload.buffer();
        final int flags = payload.flags();
        final long count = RunLimit.count(limit);
        final long durationNanos = RunLimit.durationNanos(limit);
        final BooleanSupplier isRunning = () -> running;
        final BackoffIdleStrategy idle = new BackoffIdleStrategy(100, 10, 1_000, 100_000);
        // The message index is the frame sequence: an identified producer starts at WELCOME's, after its earlier runs.
        final ResendTally tally = new ResendTally();
        tally.resumeAt(outlet.firstSequence(), -1);
        final long first = tally.first();
        final PacingWait pacingWait = new PacingWait(isRunning);
        final Reconnector reconnector = reconnect ? new Reconnector(opener, EpochClock::nanos, err, pacingWait) : null;

        final long start = EpochClock.nanos();
        final Pacer pacer = new Pacer(start, rate);
        final boolean paced = pacer.paced();
        final long deadline = durationNanos == Long.MAX_VALUE ? Long.MAX_VALUE : start + durationNanos;
        final ProduceProgress progress = new ProduceProgress(err, start,
            progressStart(count != Long.MAX_VALUE, durationNanos));

        long stopAt = count > Long.MAX_VALUE - first ? Long.MAX_VALUE : first + count;
        long sent = 0;
        long backPressured = 0;
        long end = start;
        String failure = null;
        boolean badSize = false;

        send:
        while (true)
        {
            if (tally.next() >= stopAt || !running)
            {
                // The send loop's own time, back-pressured stretches and the last writes included; waiting for ACKs
                // is not sending.
                outlet.finishSending();
                end = EpochClock.nanos();
                failure = AckWait.awaitAcks(outlet, tally.next() - 1);
                if (failure == null || !running || EpochClock.nanos() >= deadline || outlet.isConnected())
                {
                    break;
                }
                // The lost outlet stays the run's when none replaces it: the summary reads it.
                final Outlet reopened = reopen(reconnector, outlet, tally, deadline, err);
                if (reopened == null)
                {
                    failure = reconnector != null && reconnector.failure() != null ? reconnector.failure() : failure;
                    break;
                }
                outlet = reopened;
                failure = null;
                continue;
            }
            long now = EpochClock.nanos();
            final long timestamp;
            if (paced)
            {
                // Intended send time of message i; waiting for it is what paces the run.
                timestamp = pacer.intendedNanos(tally.next() - first);
                if (timestamp >= deadline)
                {
                    stopAt = tally.next();
                    continue;
                }
                now = pacingWait.until(timestamp, now, outlet);
            }
            else
            {
                timestamp = 0;
            }
            payload.number(tally.next());
            idle.reset();
            while (true)
            {
                if (now >= deadline || !running)
                {
                    stopAt = tally.next();
                    continue send;
                }
                progress.onTick(now, sent, backPressured);
                final long result = outlet.send(buffer, size, flags, timestamp);
                if (result >= 0)
                {
                    sent++;
                    tally.sent();
                    break;
                }
                if (result == Publication.BACK_PRESSURED)
                {
                    // Retry the same message: the index sequence stays dense and the timestamp stays intended. A
                    // duty cycle that did work (wrote, read) is worth retrying at once; else back off.
                    backPressured++;
                    idle.idle(outlet.doWork());
                    now = EpochClock.nanos();
                }
                else if (result == Publication.MESSAGE_TOO_LARGE)
                {
                    badSize = true;
                    end = EpochClock.nanos();
                    break send;
                }
                else
                {
                    failure = AckWait.describeLoss(outlet);
                    final Outlet reopened = reopen(reconnector, outlet, tally, deadline, err);
                    if (reopened == null)
                    {
                        failure = reconnector != null && reconnector.failure() != null ? reconnector.failure() :
                            failure;
                        end = EpochClock.nanos();
                        break send;
                    }
                    outlet = reopened;
                    failure = null;
                    continue send;
                }
            }
        }

        final boolean lost = failure != null && !outlet.isConnected();
        final long acknowledged = Math.max(tally.ackedUpTo(), outlet.ackedSequence() + 1) - first;
        outlet.close();
        if (badSize)
        {
            throw new ParameterException(spec.commandLine(), "--size " + size + " is larger than the publication "
                + "accepts");
        }

        final ProducerRun producer = opener.identified() ? new ProducerRun(opener.producerId(), opener.epoch(), first,
            tally.resent(), tally.reconnects()) : null;
        final ProduceSummary summary = new ProduceSummary(stream, size, sent, backPressured, end - start,
            acknowledged, lost, failure, producer);
        summary.print(out, err);
        if (json != null && !Json.writeOrReport(json, summary.toJson(), err))
        {
            return 1;
        }
        return failure == null ? 0 : 1;
    }

    /**
     * After the connection is lost: with --reconnect, opens the publication again and resumes the tally at its
     * WELCOME's sequence.
     *
     * @return the publication opened again, or null when the run ends with the loss.
     */
    private Outlet reopen(final Reconnector reconnector, final Outlet lost, final ResendTally tally,
        final long deadline, final PrintWriter err)
    {
        final String reason = lost.closeReason();
        final String description = AckWait.describeLoss(lost);
        final long acked = lost.ackedSequence();
        lost.close();
        if (reconnector == null || Reconnector.takenOver(reason))
        {
            return null;
        }
        final Outlet outlet = reconnector.reopen(description, () -> running, deadline);
        if (outlet != null)
        {
            final long sequence = outlet.firstSequence();
            err.println("produce: " + tally.describe(tally.resumeAt(sequence, acked), producerId));
            err.flush();
        }
        return outlet;
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
