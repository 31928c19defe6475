package io.sluice.spill;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;

/**
 * Child JVM for {@link SpillStoreAckCrashTest}: in acknowledged mode, appends a random number of frames (sequence
 * numbers 0, 1, ...), reads a random number, now and then releases a random number of those read with the tag the
 * relay would keep (the sequence number of the next record), and every 64 rounds prints "released T appended A", until
 * it is killed.
 */
public final class SpillAckCrashChild
{
    private static long next;

    private SpillAckCrashChild()
    {
    }

    static SpillConfig config(final Path dir)
    {
        return SpillConfig.of(dir, 256L << 20).withFreeSpaceMarginBytes(16L << 20)
            .withRollBytes(SpillConfig.MIN_ROLL_BYTES).withAcknowledgedReads(true);
    }

    /**
     * @param args the store directory and a random seed.
     */
    public static void main(final String[] args)
    {
        final Path dir = Path.of(args[0]);
        final Random random = new Random(Long.parseLong(args[1]));
        final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
        final SpillStore store = SpillStore.open(config(dir));
        final FrameHandler check = (buffer, offset, length) ->
        {
            final long seq = TestFrames.verify(buffer, offset, length);
            if (seq != next)
            {
                System.out.println("error: read " + seq + ", expected " + next);
                System.out.flush();
                Runtime.getRuntime().halt(1);
            }
            next++;
        };
        long appended = 0;
        long released = 0;
        for (long round = 1; ; round++)
        {
            final int frames = 1 + random.nextInt(64);
            for (int i = 0; i < frames; i++)
            {
                final int length = TestFrames.write(frame, 0, appended, SpillCrashChild.payloadLength(appended));
                if (store.append(frame, 0, length) != SpillStore.OK)
                {
                    System.out.println("refused " + appended);
                    System.out.flush();
                    return;
                }
                appended++;
            }
            store.read(check, random.nextInt(96));
            // Releases now and then, so that what is read and not released often spans several files.
            final int unreleased = store.unreleasedRecords();
            final int release = unreleased > 4096 ? unreleased - random.nextInt(1024) :
                random.nextInt(16) == 0 ? random.nextInt(unreleased + 1) : 0;
            if (release > 0)
            {
                released += release;
                store.release(release, released);
            }
            if (round % 64 == 0)
            {
                System.out.println("released " + released + " appended " + appended);
                System.out.flush();
            }
        }
    }
}
