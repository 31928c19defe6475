package io.sluice.server.tier.disk;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Where an acknowledging durable subscription stands: the file {@value #FILE_NAME} in
 * {@code spill-dir/<stream>/<subscription>}, read at the relay's start. A journaled tier ({@link AckedFloor}: the
 * subscription throttles) writes it while its lane lives, at most every {@link AckedFloor#WRITE_INTERVAL_NANOS} and
 * before each release of records in its store, with a lease for "sent", so that a relay that is killed resumes the
 * subscription after the last floor written and flags what it may have sent; and exactly as the lane closes. Any other
 * acknowledging durable tier writes it only as it closes (after the hand-over that put its unacknowledged frames first
 * on disk) and deletes it when the next lane opens it: after a crash there is no file, and positions start again at 1.
 *
 * <pre>
 *   acked-positions: one line of ASCII, two decimal numbers separated by a space
 *   +-------------------------------+---+------------------------------+----+
 *   | acknowledged position         | ' '| last position sent          | \n |
 *   +-------------------------------+---+------------------------------+----+
 * </pre>
 *
 * @param acked the highest position the subscriber acknowledged.
 * @param sent the last position sent to it (a journaled tier's lease while its lane lives: no frame sent is beyond
 *             it); the frames after {@code acked} up to it are delivered again, flagged.
 */
public record PositionsFile(long acked, long sent)
{
    static final String FILE_NAME = "acked-positions";

    /** Spill thread: writes the file whole or not at all. */
    static void write(final Path directory, final long acked, final long sent) throws IOException
    {
        NumberPairFile.write(directory, FILE_NAME, acked, sent);
    }

    /** Spill thread: a lane holds the subscription again. */
    static void delete(final Path directory) throws IOException
    {
        Files.deleteIfExists(directory.resolve(FILE_NAME));
    }

    /** @return the file's positions, or null when there is none or it cannot be read as one. */
    static PositionsFile read(final Path directory) throws IOException
    {
        final long[] read = NumberPairFile.read(directory, FILE_NAME);
        return read == null || read[0] < 0 || read[1] < read[0] ? null : new PositionsFile(read[0], read[1]);
    }

    /**
     * At start, before any lane: every subscription's file under the spill directory.
     *
     * @return by stream name, by subscription name; empty when there is no spill directory yet.
     */
    public static Map<String, Map<String, PositionsFile>> readAll(final Path root) throws IOException
    {
        final Map<String, Map<String, PositionsFile>> all = new HashMap<>();
        if (root == null || !Files.isDirectory(root))
        {
            return all;
        }
        try (DirectoryStream<Path> streams = Files.newDirectoryStream(root))
        {
            for (final Path stream : streams)
            {
                if (!InactiveSubscriptionSweep.isOurs(stream))
                {
                    continue;
                }
                try (DirectoryStream<Path> subscriptions = Files.newDirectoryStream(stream))
                {
                    for (final Path subscription : subscriptions)
                    {
                        final PositionsFile positions =
                            InactiveSubscriptionSweep.isOurs(subscription) ? read(subscription) : null;
                        if (positions != null)
                        {
                            all.computeIfAbsent(stream.getFileName().toString(), s -> new HashMap<>())
                                .put(subscription.getFileName().toString(), positions);
                        }
                    }
                }
            }
        }
        return all;
    }
}
