package io.sluice.spill;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Child JVM for {@link SpillStoreCrashTest}: appends frames 0..N-1, prints "appended N", then keeps appending
 * (printing "appended K" every 1000 frames) until it is killed.
 */
public final class SpillCrashChild
{
    private SpillCrashChild()
    {
    }

    static int payloadLength(final long sequence)
    {
        return 8 + (int)(sequence * 131 % 2000);
    }

    /**
     * @param args the store directory and N.
     */
    public static void main(final String[] args)
    {
        final Path dir = Path.of(args[0]);
        final long n = Long.parseLong(args[1]);
        final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
        final SpillStore store = SpillStore.open(SpillConfig.of(dir, 1L << 30).withFreeSpaceMarginBytes(16L << 20));
        for (long seq = 0; ; seq++)
        {
            final int length = TestFrames.write(frame, 0, seq, payloadLength(seq));
            if (store.append(frame, 0, length) != SpillStore.OK)
            {
                System.out.println("refused " + seq);
                System.out.flush();
                return;
            }
            final long appended = seq + 1;
            if (appended == n || (appended > n && appended % 1000 == 0))
            {
                System.out.println("appended " + appended);
                System.out.flush();
            }
        }
    }
}
