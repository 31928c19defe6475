package io.sluice.core.netty;

import io.netty.buffer.ByteBuf;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

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
 * the buffer's capacity does not change; re-wrap after either.
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
}
