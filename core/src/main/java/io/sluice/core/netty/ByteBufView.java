package io.sluice.core.netty;

import io.netty.buffer.ByteBuf;
import org.agrona.MutableDirectBuffer;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * A reusable Agrona view of a {@link ByteBuf}'s memory, indexed like the ByteBuf: the one place that knows how to
 * reach a buffer's memory (address, array or NIO view), for loops that read every header of a run and for writers that
 * fill a buffer they own. Netty checks the reference count and the bounds on every {@code get}; at millions of frames
 * a second those checks were most of the relay's time walking frames. Here the view is pointed once per buffer and
 * each read is a plain load (Agrona's bounds check against the buffer's capacity stays).
 * <p>
 * Never {@link ByteBuf#internalNioBuffer}: that hands out a cached {@code ByteBuffer} of the root buffer, not safe when
 * duplicates of one read buffer are read on several event loops at once (a run fanned out to lanes on other threads).
 * <p>
 * Not thread-safe: one per thread or per handler. Valid only while the caller holds a reference to the buffer and
 * the buffer's capacity does not change; re-wrap after either. The static {@link #copy} holds no state, for writers
 * on many threads at once.
 */
public final class ByteBufView
{
    private final UnsafeBuffer memory = new UnsafeBuffer(0, 0);

    /**
     * Points the view at {@code buf}: index {@code i} of the returned buffer is index {@code i} of {@code buf}.
     * Allocates nothing for direct buffers with an address or heap buffers; other buffers (composite, or direct
     * without {@code sun.misc.Unsafe}) are seen through a copy of their NIO view, which may allocate.
     *
     * @param buf the buffer to read.
     * @return the view, valid until the next wrap; writes through it change {@code buf}, except for a composite
     *         buffer, whose view is a copy.
     */
    public MutableDirectBuffer wrap(final ByteBuf buf)
    {
        if (buf.hasMemoryAddress())
        {
            memory.wrap(buf.memoryAddress(), buf.capacity());
        }
        else if (buf.hasArray())
        {
            memory.wrap(buf.array(), buf.arrayOffset(), buf.capacity());
        }
        else
        {
            memory.wrap(buf.nioBuffer(0, buf.capacity()));
        }
        return memory;
    }

    /**
     * @param buf the buffer to read.
     * @return whether {@link #wrap} reaches {@code buf}'s memory in place (an address or an array), allocating nothing;
     *         a caller may gather any other buffer into memory of its own instead.
     */
    public static boolean wrapsInPlace(final ByteBuf buf)
    {
        return buf.hasMemoryAddress() || buf.hasArray();
    }

    /**
     * Copies bytes of {@code from} into {@code to} without changing {@code from}'s indexes or reference count: in one
     * copy from an address or an array; from any other buffer (a composite) eight bytes at a time through its
     * accessors (big-endian on both sides keeps the byte order), rather than a temporary array or a shared NIO view.
     *
     * @param from    the buffer to read.
     * @param index   first byte to copy, as {@code from} indexes it.
     * @param to      where the bytes go.
     * @param toIndex first byte written in {@code to}.
     * @param length  bytes to copy.
     */
    public static void copy(
        final ByteBuf from, final int index, final MutableDirectBuffer to, final int toIndex, final int length)
    {
        if (from.hasMemoryAddress())
        {
            to.boundsCheck(toIndex, length);
            UnsafeApi.copyMemory(
                null, from.memoryAddress() + index, to.byteArray(), to.addressOffset() + toIndex, length);
        }
        else if (from.hasArray())
        {
            to.putBytes(toIndex, from.array(), from.arrayOffset() + index, length);
        }
        else
        {
            int i = 0;
            for (; i + Long.BYTES <= length; i += Long.BYTES)
            {
                to.putLong(toIndex + i, from.getLong(index + i), ByteOrder.BIG_ENDIAN);
            }
            for (; i < length; i++)
            {
                to.putByte(toIndex + i, from.getByte(index + i));
            }
        }
    }
}
