package io.sluice.server.tier.disk;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A small file beside a subscription's stores holding one line of ASCII, two decimal numbers separated by a space,
 * written whole or not at all (a temporary file moved over it), so a crash leaves no torn line. Spill thread, or the
 * relay's start.
 */
final class NumberPairFile
{
    private NumberPairFile()
    {
    }

    static void write(final Path directory, final String name, final long first, final long second)
        throws IOException
    {
        final Path temporary = directory.resolve(name + ".new");
        Files.write(temporary, (first + " " + second + "\n").getBytes(StandardCharsets.US_ASCII));
        Files.move(temporary, directory.resolve(name), StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
    }

    /** @return the two numbers, or null when there is no such file or it cannot be read as two numbers. */
    static long[] read(final Path directory, final String name) throws IOException
    {
        final String text;
        try
        {
            text = Files.readString(directory.resolve(name), StandardCharsets.US_ASCII).trim();
        }
        catch (final NoSuchFileException ex)
        {
            return null;
        }
        final int space = text.indexOf(' ');
        try
        {
            return space < 0 ? null :
                new long[] {Long.parseLong(text.substring(0, space)), Long.parseLong(text.substring(space + 1))};
        }
        catch (final NumberFormatException ex)
        {
            return null;
        }
    }
}
