package io.sluice.spill;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Appends 20 M frames of 96 bytes (32-byte header, 64-byte payload) as fast as possible, then reads them back,
 * printing messages per second for each phase. Not a test; run with the JVM flags of the parent pom:
 *
 * <pre>
 * java $(sluice.jvm.opens) -Dchronicle.analytics.disable=true -cp spill/target/test-classes:spill/target/classes:$CP \
 *     io.sluice.spill.SpillThroughputMain [directory [frames [blockSize]]]
 * </pre>
 * The directory (default: a new temporary one) is deleted afterwards.
 */
public final class SpillThroughputMain
{
    private SpillThroughputMain()
    {
    }

    /**
     * @param args optional directory, frame count and block size.
     * @throws IOException if the directory cannot be created or removed.
     */
    public static void main(final String[] args) throws IOException
    {
        final Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("spill-throughput");
        final long frames = args.length > 1 ? Long.parseLong(args[1]) : 20_000_000L;
        final int payload = 64;
        final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
        final int length = TestFrames.write(frame, 0, 0, payload);
        SpillConfig config = SpillConfig.of(dir, 16L << 30);
        if (args.length > 2)
        {
            // A block holds records of up to a quarter of its size: shrink the largest frame to fit if needed.
            final long blockSize = Long.parseLong(args[2]);
            final int maxFrame = (int)Math.min(config.maxFrameLength(), blockSize / 4 - 32);
            config = config.withMaxFrameLength(maxFrame).withBlockSize(blockSize);
        }
        System.out.printf("%,d frames of %d bytes, block size %,d, roll bytes %,d, dir %s%n",
            frames, length, config.blockSize(), config.rollBytes(), dir);
        try (SpillStore store = SpillStore.open(config))
        {
            long start = System.nanoTime();
            for (long i = 0; i < frames; i++)
            {
                if (store.append(frame, 0, length) != SpillStore.OK)
                {
                    throw new IllegalStateException("refused at " + i);
                }
            }
            long nanos = System.nanoTime() - start;
            System.out.printf("append: %,.0f msgs/s (%.2f s, %,d bytes on disk)%n",
                frames * 1e9 / nanos, nanos / 1e9, store.diskBytes());

            final long[] bytes = {0};
            final FrameHandler handler = (buffer, offset, len) -> bytes[0] += len;
            long read = 0;
            start = System.nanoTime();
            int n;
            while ((n = store.read(handler, 4096)) > 0)
            {
                read += n;
            }
            nanos = System.nanoTime() - start;
            System.out.printf("read:   %,.0f msgs/s (%.2f s, %,d frames, %,d bytes)%n",
                read * 1e9 / nanos, nanos / 1e9, read, bytes[0]);
            if (read != frames)
            {
                throw new IllegalStateException("read " + read + " of " + frames);
            }
        }
        finally
        {
            try (Stream<Path> files = Files.walk(dir))
            {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
