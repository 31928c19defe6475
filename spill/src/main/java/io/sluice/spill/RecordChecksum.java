package io.sluice.spill;

import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;

import java.nio.ByteOrder;

/**
 * A 32-bit check over a frame and the logical offset stored with it, to recognise records damaged by a crash, a
 * truncated file or stray writes. Not cryptographic. Reads 16 bytes per step in two independent lanes, little-endian
 * on every platform; one bounds check per call; no allocation.
 */
public final class RecordChecksum
{
    private static final long P1 = 0x9E3779B97F4A7C15L;
    private static final long P2 = 0xC2B2AE3D27D4EB4FL;
    private static final long P3 = 0x165667B19E3779F9L;
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private RecordChecksum()
    {
    }

    /**
     * @param buffer holds the frame.
     * @param index  first byte of the frame.
     * @param length frame length.
     * @param seed   the record's logical offset.
     * @return the check value.
     * @throws IndexOutOfBoundsException if the range is outside {@code buffer}.
     */
    public static int compute(final DirectBuffer buffer, final int index, final int length, final long seed)
    {
        buffer.boundsCheck(index, length);
        final byte[] array = buffer.byteArray();
        final long base = buffer.addressOffset() + index;
        long a = seed * P1 + length;
        long b = ~seed * P2 - length;
        int i = 0;
        final int end16 = length & ~15;
        for (; i < end16; i += 16)
        {
            a = Long.rotateLeft(a + word(array, base + i) * P2, 31) * P1;
            b = Long.rotateLeft(b + word(array, base + i + 8) * P2, 31) * P1;
        }
        if (length - i >= 8)
        {
            a = Long.rotateLeft(a + word(array, base + i) * P2, 31) * P1;
            i += 8;
        }
        long tail = 0;
        for (int shift = 0; i < length; i++, shift += 8)
        {
            tail |= (UnsafeApi.getByte(array, base + i) & 0xFFL) << shift;
        }
        b = Long.rotateLeft(b + tail * P2, 31) * P1;
        long h = a ^ Long.rotateLeft(b, 27);
        h ^= h >>> 33;
        h *= P3;
        h ^= h >>> 29;
        h *= P2;
        h ^= h >>> 32;
        return (int)h;
    }

    private static long word(final byte[] array, final long address)
    {
        final long value = UnsafeApi.getLong(array, address);
        return LITTLE_ENDIAN ? value : Long.reverseBytes(value);
    }
}
