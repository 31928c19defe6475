package io.sluice.server.tier.disk;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Since when a durable subscription's directory has had no connection: the file {@value #FILE_NAME} in
 * {@code spill-dir/<stream>/<subscription>}, written by its disk tier when the lane closes and deleted when the next
 * one opens it; spill thread only. A file of its own, not a modification time: Chronicle maps its files, so their
 * times move with the page cache rather than with connections, and a copy or restore of the spill directory keeps a
 * file's content where it may not keep its times.
 *
 * <pre>
 *   idle-since: one line of ASCII, two decimal numbers separated by a space
 *   +--------------------------+---+---------------------------------+----+
 *   | since (epoch millis)     | ' '| backlog bytes at close, or -1   | \n |
 *   +--------------------------+---+---------------------------------+----+
 * </pre>
 *
 * A backlog of -1 means unknown: the sweep found the directory without a connection and without a marker (the relay
 * had stopped while a subscriber was connected) and started its clock then, which can only make it later.
 *
 * @param sinceMillis  when the subscription's last connection ended (or the sweep first saw it idle).
 * @param backlogBytes bytes of messages its stores held then, or -1 when not known.
 */
record IdleMarker(long sinceMillis, long backlogBytes)
{
    static final String FILE_NAME = "idle-since";
    static final long UNKNOWN = -1;

    /** Writes the marker whole or not at all, so a crash leaves no torn line. */
    static void write(final Path directory, final long sinceMillis, final long backlogBytes) throws IOException
    {
        NumberPairFile.write(directory, FILE_NAME, sinceMillis, backlogBytes);
    }

    /** @return the marker, or null when there is none or it cannot be read as one. */
    static IdleMarker read(final Path directory) throws IOException
    {
        final long[] read = NumberPairFile.read(directory, FILE_NAME);
        return read == null ? null : new IdleMarker(read[0], read[1]);
    }

    /** A connection holds the directory again: its clock stops until that connection ends. */
    static void delete(final Path directory) throws IOException
    {
        Files.deleteIfExists(directory.resolve(FILE_NAME));
    }
}
