package io.sluice.server.tier.disk;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

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

    /** Writes the marker whole or not at all (a temporary file moved over it), so a crash leaves no torn line. */
    static void write(final Path directory, final long sinceMillis, final long backlogBytes) throws IOException
    {
        final Path temporary = directory.resolve(FILE_NAME + ".new");
        Files.write(temporary, (sinceMillis + " " + backlogBytes + "\n").getBytes(StandardCharsets.US_ASCII));
        Files.move(temporary, directory.resolve(FILE_NAME), StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
    }

    /** @return the marker, or null when there is none or it cannot be read as one. */
    static IdleMarker read(final Path directory) throws IOException
    {
        final String text;
        try
        {
            text = Files.readString(directory.resolve(FILE_NAME), StandardCharsets.US_ASCII).trim();
        }
        catch (final NoSuchFileException ex)
        {
            return null;
        }
        final int space = text.indexOf(' ');
        try
        {
            return space < 0 ? null : new IdleMarker(Long.parseLong(text.substring(0, space)),
                Long.parseLong(text.substring(space + 1)));
        }
        catch (final NumberFormatException ex)
        {
            return null;
        }
    }

    /** A connection holds the directory again: its clock stops until that connection ends. */
    static void delete(final Path directory) throws IOException
    {
        Files.deleteIfExists(directory.resolve(FILE_NAME));
    }
}
