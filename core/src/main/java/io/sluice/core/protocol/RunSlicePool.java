package io.sluice.core.protocol;

import io.netty.buffer.ByteBuf;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The {@link RunSlice}s of one {@link FrameDecoder}: handed out on the decoder's event loop, given back on whichever
 * thread releases them. It holds at most as many slices as were ever out at once, so once that many exist decoding
 * allocates nothing.
 * <p>
 * Given-back slices are pushed onto a lock-free stack; the decoder's thread takes the whole stack at once when its
 * own free list is empty. With a single taker there is no ABA hazard, and the links are written before the push
 * that publishes them.
 */
final class RunSlicePool
{
    private final AtomicReference<RunSlice> returned = new AtomicReference<>();
    /** Touched only on the decoder's thread. */
    private RunSlice free;

    /**
     * @return a slice of {@code parent[index, index + length)} holding one reference to {@code parent}; called on the
     * decoder's thread only.
     */
    RunSlice take(final ByteBuf parent, final int index, final int length)
    {
        RunSlice slice = free;
        if (slice == null)
        {
            slice = returned.getAndSet(null);
        }
        if (slice == null)
        {
            slice = new RunSlice(this);
        }
        else
        {
            free = slice.next;
            slice.next = null;
        }
        return slice.init(parent, index, length);
    }

    /**
     * Takes back a slice whose last reference was released, on any thread.
     */
    void giveBack(final RunSlice slice)
    {
        RunSlice head;
        do
        {
            head = returned.get();
            slice.next = head;
        }
        while (!returned.compareAndSet(head, slice));
    }
}
