package io.sluice.bench;

import io.sluice.client.ClientConfig;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import io.sluice.server.cli.OptionConverters;
import io.sluice.server.cli.RelayCommand;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.util.EpochClock;
import io.sluice.spill.deadletter.DeadLetterDescriptor;
import io.sluice.spill.deadletter.DeadLetterReader;
import io.sluice.spill.deadletter.DeadLetterRecord;
import io.sluice.tools.ConnectionOptions;
import io.sluice.tools.Json;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code sluice dead-letter list|replay}: shows the messages a relay's drop policies dropped into its dead-letter
 * store, and publishes them again into a stream of a running relay. Both read the store without consuming it and
 * without locking it, so they work while the relay is running and may be repeated.
 * <p>
 * It lives in the server module, next to the relay that writes the store (the on-disk format comes from the spill
 * module, which the server already uses); {@code replay} publishes through the client API, so the server module
 * depends on the client at compile scope: an acyclic edge (the client depends only on core).
 */
@Command(name = "dead-letter", mixinStandardHelpOptions = true, versionProvider = RelayCommand.Version.class,
    usageHelpAutoWidth = true,
    description = {
        "Shows and replays the messages a relay dropped into its dead-letter store (the relay's spill directory, "
            + "under dead-letter/). Reading never consumes or locks the store: it works while the relay runs.",
        "See docs/dead-letter.md."},
    subcommands = {DeadLetterCommand.ListCommand.class, DeadLetterCommand.ReplayCommand.class},
    synopsisSubcommandLabel = "(list | replay)")
public final class DeadLetterCommand implements Callable<Integer>
{
    /** Exit code when the store cannot be read or the relay not reached, or a replay did not complete. */
    static final int EXIT_FAILED = 1;

    @Spec
    private CommandSpec spec;

    /**
     * No subcommand: a usage error.
     *
     * @return never returns normally.
     */
    @Override
    public Integer call()
    {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: list or replay");
    }

    /** Options both subcommands share: where the store is and which records to take. */
    static final class Selection
    {
        @Option(names = "--dir", required = true, paramLabel = "DIR",
            description = "The dead-letter store's directory.")
        Path dir;

        @Option(names = "--stream", paramLabel = "S", description = "Only records dropped from stream S.")
        String stream;

        @Option(names = "--reason", paramLabel = "R", split = ",", converter = ReasonName.class,
            description = "Only records dropped for these reasons: drop-newest, drop-oldest, latest-by-key, sample, "
                + "deadline, custom, bridge-rejected, bridge-timeout, or a number; comma-separated or repeated.")
        List<Integer> reasons;

        @Option(names = "--limit", paramLabel = "N", description = "At most N records (after the filters).")
        Long limit;

        @Option(names = "--max-frame-length", paramLabel = "BYTES", converter = OptionConverters.IntBytes.class,
            defaultValue = "" + FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH,
            description = "The relay's max-frame-length when it wrote the store (default: ${DEFAULT-VALUE} bytes).")
        int maxFrameLength;

        boolean matches(final DeadLetterRecord record)
        {
            return (stream == null || record.streamEquals(stream))
                && (reasons == null || reasons.contains(record.reason()));
        }

        long limit()
        {
            return limit == null ? Long.MAX_VALUE : limit;
        }

        /** @return an open reader, or null after reporting why not. */
        DeadLetterReader open(final PrintWriter err, final String command)
        {
            if (!Files.isDirectory(dir))
            {
                err.println("sluice dead-letter " + command + ": no such directory: " + dir);
                return null;
            }
            try
            {
                return DeadLetterReader.open(dir, maxFrameLength);
            }
            catch (final RuntimeException ex)
            {
                err.println("sluice dead-letter " + command + ": cannot read " + dir + ": " + ex.getMessage());
                return null;
            }
        }
    }

    /** {@code sluice dead-letter list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, versionProvider = RelayCommand.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "Lists dead letters, oldest first, one line each: drop time (UTC), stream, source=, seq=, reason=, "
                + "bytes= (payload size), and with --payload a hex preview. With --json, one JSON object per line.",
            "A summary (records listed, damaged records skipped) goes to stderr."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:listed (possibly nothing)", "1:the store cannot be read", "2:bad command line"})
    static final class ListCommand implements Callable<Integer>
    {
        @Spec
        private CommandSpec spec;

        @Mixin
        private Selection selection = new Selection();

        @Option(names = "--payload", paramLabel = "BYTES", arity = "0..1", fallbackValue = "32",
            description = "Show the first BYTES of each payload in hex (default when given without a value: 32).")
        private int payloadPreview;

        @Option(names = "--json", description = "One JSON object per line (JSON Lines) instead of text.")
        private boolean json;

        @Override
        public Integer call()
        {
            final PrintWriter out = spec.commandLine().getOut();
            final PrintWriter err = spec.commandLine().getErr();
            if (payloadPreview < 0)
            {
                throw new CommandLine.ParameterException(spec.commandLine(), "--payload must not be negative");
            }
            final DeadLetterReader reader = selection.open(err, "list");
            if (reader == null)
            {
                return EXIT_FAILED;
            }
            final long limit = selection.limit();
            final long[] listed = {0};
            final StringBuilder line = new StringBuilder(256);
            try (reader)
            {
                while (listed[0] < limit && reader.read(record ->
                {
                    if (listed[0] < limit && selection.matches(record))
                    {
                        listed[0]++;
                        out.println(json ? json(record) : text(record, line));
                    }
                }, 1024) > 0)
                {
                    // more
                }
                out.flush();
                err.println(listed[0] + " dead letter(s) listed" + (reader.damagedSkipped() > 0
                    ? ", " + reader.damagedSkipped() + " damaged record(s) skipped" : ""));
                err.flush();
            }
            return 0;
        }

        private String text(final DeadLetterRecord record, final StringBuilder line)
        {
            line.setLength(0);
            line.append(instant(record.dropTimeNanos())).append(' ').append(record.stream())
                .append(" source=").append(record.sourceId())
                .append(" seq=").append(record.sequence())
                .append(" reason=").append(DeadLetterDescriptor.reasonName(record.reason()))
                .append(" bytes=").append(record.payloadLength());
            if (payloadPreview > 0)
            {
                line.append(" payload=");
                hex(record, line);
            }
            return line.toString();
        }

        private String json(final DeadLetterRecord record)
        {
            final Map<String, Object> object = new LinkedHashMap<>();
            object.put("dropTime", instant(record.dropTimeNanos()).toString());
            object.put("dropTimeNanos", record.dropTimeNanos());
            object.put("stream", record.stream());
            object.put("sourceId", record.sourceId());
            object.put("sequence", record.sequence());
            object.put("timestampNanos", record.timestampNanos());
            object.put("reason", DeadLetterDescriptor.reasonName(record.reason()));
            object.put("reasonCode", record.reason());
            object.put("flags", record.flags());
            object.put("payloadLength", record.payloadLength());
            if (payloadPreview > 0)
            {
                object.put("payload", hex(record, new StringBuilder()).toString());
            }
            return Json.write(object);
        }

        private StringBuilder hex(final DeadLetterRecord record, final StringBuilder out)
        {
            final int n = Math.min(payloadPreview, record.payloadLength());
            for (int i = 0; i < n; i++)
            {
                final int b = record.buffer().getByte(record.payloadOffset() + i) & 0xFF;
                out.append(Character.forDigit(b >>> 4, 16)).append(Character.forDigit(b & 0xF, 16));
            }
            if (n < record.payloadLength())
            {
                out.append("...");
            }
            return out;
        }

        private static Instant instant(final long epochNanos)
        {
            return Instant.ofEpochSecond(
                Math.floorDiv(epochNanos, 1_000_000_000L), Math.floorMod(epochNanos, 1_000_000_000L));
        }
    }

    /** {@code sluice dead-letter replay}. */
    @Command(name = "replay", mixinStandardHelpOptions = true, versionProvider = RelayCommand.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "Publishes dead letters' payloads again, oldest first, through a running relay: each into its own stream, "
                + "or all into --to. Order is kept per target stream; flags (the keyed flag) are kept; each message "
                + "gets a new source id and sequence, and the current time unless --keep-timestamps. Waits until the "
                + "relay has acknowledged every message. The store is not changed: replaying twice publishes twice.",
            "A summary goes to stdout."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every selected message was published and acknowledged",
            "1:the store cannot be read, the relay cannot be reached, or the relay did not take every message in time",
            "2:bad command line"})
    static final class ReplayCommand implements Callable<Integer>
    {
        @Spec
        private CommandSpec spec;

        @Mixin
        private Selection selection = new Selection();

        @Option(names = "--to", paramLabel = "STREAM",
            description = "Publish every selected message into STREAM"
                + " (default: each into the stream it was dropped from).")
        private String to;

        @Mixin
        private ConnectionOptions connection = new ConnectionOptions();

        @Option(names = "--keep-timestamps",
            description = "Stamp each message with its original publisher timestamp instead of now. Note that a "
                + "stream with a deadline policy drops messages older than its deadline.")
        private boolean keepTimestamps;

        @Option(names = "--timeout", paramLabel = "D", defaultValue = "30s", converter = OptionConverters.Millis.class,
            description = "How long the relay may keep back-pressuring one message, and how long to wait for the last "
                + "acknowledgement (default: ${DEFAULT-VALUE}).")
        private int timeoutMs;

        @Override
        public Integer call()
        {
            final PrintWriter out = spec.commandLine().getOut();
            final PrintWriter err = spec.commandLine().getErr();
            final ClientConfig config = connection.clientConfig(spec,
                Math.min(16 << 20, Math.max(1, selection.maxFrameLength - FrameDescriptor.HEADER_LENGTH)));
            final DeadLetterReader reader = selection.open(err, "replay");
            if (reader == null)
            {
                return EXIT_FAILED;
            }
            final Map<String, Publication> publications = new LinkedHashMap<>();
            final Map<String, Long> counts = new LinkedHashMap<>();
            final long limit = selection.limit();
            final long[] replayed = {0};
            try (reader; SluiceClient client = new SluiceClient(config))
            {
                while (replayed[0] < limit && reader.read(record ->
                {
                    if (replayed[0] < limit && selection.matches(record))
                    {
                        final String target = to != null ? to : record.stream();
                        Publication publication = publications.get(target);
                        if (publication == null)
                        {
                            publication = publish(client, target);
                            publications.put(target, publication);
                        }
                        send(publication, record);
                        counts.merge(target, 1L, Long::sum);
                        replayed[0]++;
                    }
                }, 1024) > 0)
                {
                    // more
                }
                for (final Map.Entry<String, Publication> entry : publications.entrySet())
                {
                    awaitAcks(entry.getValue(), counts.get(entry.getKey()) - 1);
                }
                out.println("replayed " + replayed[0] + " message(s)" + (counts.isEmpty() ? "" : " into " + counts)
                    + (reader.damagedSkipped() > 0
                        ? "; " + reader.damagedSkipped() + " damaged record(s) skipped"
                        : ""));
                out.flush();
                return 0;
            }
            catch (final ReplayFailed ex)
            {
                out.flush();
                err.println("sluice dead-letter replay: " + ex.getMessage() + " (" + replayed[0]
                    + " message(s) published before that)");
                err.flush();
                return EXIT_FAILED;
            }
        }

        private static Publication publish(final SluiceClient client, final String stream)
        {
            try
            {
                return client.publish(stream);
            }
            catch (final SluiceException | IllegalArgumentException ex)
            {
                throw new ReplayFailed("cannot publish to stream " + stream + " at " + client.config().host() + ":"
                    + client.config().port() + ": " + ex.getMessage());
            }
        }

        /** Offers one payload, retrying while back-pressured (the relay slows us down like any publisher). */
        private void send(final Publication publication, final DeadLetterRecord record)
        {
            final long timestamp = keepTimestamps ? record.timestampNanos() : EpochClock.nanos();
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            long parkNanos = 1_000;
            while (true)
            {
                final long result = publication.offer(record.buffer(), record.payloadOffset(), record.payloadLength(),
                    record.flags(), timestamp);
                if (result >= 0)
                {
                    return;
                }
                if (result != Publication.BACK_PRESSURED)
                {
                    throw new ReplayFailed("stream " + publication.stream() + ": " + describe(result, publication)
                        + " at " + record);
                }
                if (System.nanoTime() - deadline >= 0)
                {
                    throw new ReplayFailed("stream " + publication.stream() + ": back-pressured for longer than "
                        + timeoutMs + " ms");
                }
                LockSupport.parkNanos(parkNanos);
                parkNanos = Math.min(parkNanos * 2, TimeUnit.MILLISECONDS.toNanos(1));
            }
        }

        private void awaitAcks(final Publication publication, final long lastSequence)
        {
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            while (publication.ackedSequence() < lastSequence)
            {
                if (!publication.isConnected())
                {
                    throw new ReplayFailed("stream " + publication.stream() + ": connection lost ("
                        + publication.closeReason() + ") with messages not acknowledged");
                }
                if (System.nanoTime() - deadline >= 0)
                {
                    throw new ReplayFailed("stream " + publication.stream() + ": the relay acknowledged up to sequence "
                        + publication.ackedSequence() + " of " + lastSequence + " within " + timeoutMs + " ms");
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
        }

        private static String describe(final long result, final Publication publication)
        {
            if (result == Publication.MESSAGE_TOO_LARGE)
            {
                return "payload larger than " + publication.maxPayloadLength() + " bytes (raise --max-frame-length)";
            }
            if (result == Publication.NOT_CONNECTED || result == Publication.CLOSED)
            {
                return "connection lost (" + publication.closeReason() + ")";
            }
            return "offer failed with " + result;
        }
    }

    /** A replay that cannot go on; its message is reported. */
    private static final class ReplayFailed extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        ReplayFailed(final String message)
        {
            super(message, null, false, false);
        }
    }

    /** Reason names or codes. */
    static final class ReasonName implements ITypeConverter<Integer>
    {
        @Override
        public Integer convert(final String value)
        {
            try
            {
                return DeadLetterDescriptor.reasonCode(value.trim());
            }
            catch (final IllegalArgumentException ex)
            {
                throw new TypeConversionException(ex.getMessage());
            }
        }
    }
}
