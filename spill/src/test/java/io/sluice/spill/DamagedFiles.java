package io.sluice.spill;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

/** Damage for tests: find where a store file's data ends, and overwrite bytes of it with garbage. */
final class DamagedFiles
{
    private DamagedFiles()
    {
    }

    /** @return the position just after the last non-zero byte: the end of the written data. */
    static long dataEnd(final Path file) throws IOException
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            final ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            long end = 0;
            for (long position = 0; position < channel.size(); position += buf.capacity())
            {
                buf.clear();
                final int n = channel.read(buf, position);
                for (int i = 0; i < n; i++)
                {
                    if (buf.get(i) != 0)
                    {
                        end = position + i + 1;
                    }
                }
            }
            return end;
        }
    }

    /** Overwrites {@code length} bytes from {@code from} with the same pseudo-random garbage every time. */
    static void overwrite(final Path file, final long from, final int length) throws IOException
    {
        final byte[] garbage = new byte[length];
        new Random(7).nextBytes(garbage);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            channel.write(ByteBuffer.wrap(garbage), from);
        }
    }
}
