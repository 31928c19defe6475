package io.sluice.core.ring;

import io.netty.buffer.ByteBuf;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Copies bytes out of a {@link ByteBuf} into Agrona buffers without allocating and without
 * {@link ByteBuf#internalNioBuffer}: that method hands out a cached {@code ByteBuffer} of the root buffer, which is
 * not safe when duplicates of one read buffer are copied on several event loops at once (a run fanned out to
 * lanes on different threads).
 */
public final class ByteBufCopy
{
    private ByteBufCopy()
    {
    }

    /**
     * Copies {@code src[index, index + length)} to {@code dst} at {@code dstIndex}.
     *
     * @param src source.
     * @param index source index.
     * @param length bytes to copy.
     * @param dst destination.
     * @param dstIndex destination index.
     * @param scratch a view owned by the calling thread, re-pointed at the source's memory.
     */
    public static void copy(
        final ByteBuf src, final int index, final int length, final MutableDirectBuffer dst, final int dstIndex,
        final UnsafeBuffer scratch)
    {
        if (src.hasMemoryAddress())
        {
            scratch.wrap(src.memoryAddress() + index, length);
            dst.putBytes(dstIndex, scratch, 0, length);
        }
        else if (src.hasArray())
        {
            dst.putBytes(dstIndex, src.array(), src.arrayOffset() + index, length);
        }
        else
        {
            // Composite or exotic buffers: rare, so a temporary is acceptable.
            final byte[] bytes = new byte[length];
            src.getBytes(index, bytes);
            dst.putBytes(dstIndex, bytes);
        }
    }
}
