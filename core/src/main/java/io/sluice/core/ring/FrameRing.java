package io.sluice.core.ring;

import io.netty.buffer.ByteBuf;
import io.sluice.core.netty.ByteBufView;
import io.sluice.core.protocol.FrameDescriptor;
import org.agrona.DirectBuffer;
import org.agrona.BitUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * An Agrona ring buffer of whole frames, one frame per record, in off-heap memory of a fixed size: the bounded
 * hand-off between a Netty event loop and another thread. Producers copy frames in from a {@link ByteBuf};
 * the consumer copies them out into a {@link ByteBuf} or reads them in place. Nothing is allocated per frame.
 * <p>
 * Agrona caps a record at an eighth of the capacity (the record's 8-byte header aside), so the capacity is at least
 * eight times the largest frame.
 */
public final class FrameRing
{
    /** Record type of an ordinary frame. */
    public static final int MSG_FRAME = 1;

    private final RingBuffer ring;
    private final UnsafeBuffer buffer;
    private final ByteBuffer consumerView;
    private final ByteBufView srcView = new ByteBufView();

    private FrameRing(final int capacity, final boolean manyProducers)
    {
        final ByteBuffer memory = ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH);
        this.buffer = new UnsafeBuffer(memory);
        this.ring = manyProducers ? new ManyToOneRingBuffer(buffer) : new OneToOneRingBuffer(buffer);
        this.consumerView = memory.duplicate();
    }

    /**
     * @param maxFrameLength the largest frame that must fit.
     * @param minCapacity the least capacity wanted, bytes.
     * @param manyProducers whether producers on several threads offer concurrently.
     * @return a ring whose capacity is a power of two, at least {@code minCapacity} and eight frames.
     */
    public static FrameRing forFrames(final int maxFrameLength, final int minCapacity, final boolean manyProducers)
    {
        return new FrameRing(capacityForFrames(maxFrameLength, minCapacity), manyProducers);
    }

    /**
     * @param maxFrameLength the largest frame that must fit.
     * @param minCapacity the least capacity wanted, bytes.
     * @return the capacity of the ring {@link #forFrames} makes for these: a power of two, at least
     * {@code minCapacity} and eight frames.
     */
    public static int capacityForFrames(final int maxFrameLength, final int minCapacity)
    {
        final long eightFrames = 8L * maxFrameLength;
        if (eightFrames > 1 << 30)
        {
            throw new IllegalArgumentException("eight frames of " + maxFrameLength + " bytes exceed a 1 GiB ring");
        }
        return BitUtil.findNextPositivePowerOfTwo(Math.max(minCapacity, (int)eightFrames));
    }

    /**
     * @return the underlying Agrona ring.
     */
    public RingBuffer ring()
    {
        return ring;
    }

    /**
     * @return the ring's memory, to write a claimed record in place.
     */
    public UnsafeBuffer buffer()
    {
        return buffer;
    }

    /**
     * @return bytes of records waiting to be read.
     */
    public int size()
    {
        return ring.size();
    }

    /**
     * @return capacity in bytes.
     */
    public int capacity()
    {
        return ring.capacity();
    }

    /**
     * @return the largest frame a record can hold.
     */
    public int maxFrameLength()
    {
        return ring.maxMsgLength();
    }

    /**
     * Copies whole frames from {@code src[from, to)} into the ring, one record each, for as long as they fit.
     * Stops before a frame the ring has no room for now, or one longer than {@link #maxFrameLength()}, which no
     * record can hold. For one producing thread at a time (it reads the source through a view of its own).
     *
     * @param src frames, back to back.
     * @param from index of the first frame.
     * @param to index after the last frame.
     * @return the index after the last frame copied: {@code to} when all fitted.
     */
    public int offerFrames(final ByteBuf src, final int from, final int to)
    {
        final DirectBuffer frames = srcView.wrap(src);
        final int maxFrameLength = ring.maxMsgLength();
        int index = from;
        while (index < to)
        {
            final int frameLength = frames.getInt(index + FrameDescriptor.LENGTH_OFFSET, ByteOrder.BIG_ENDIAN);
            if (frameLength > maxFrameLength)
            {
                break;
            }
            final int claim = ring.tryClaim(MSG_FRAME, frameLength);
            if (claim < 0)
            {
                break;
            }
            buffer.putBytes(claim, frames, index, frameLength);
            ring.commit(claim);
            index += frameLength;
        }
        return index;
    }

    /**
     * Appends a record's bytes to {@code out}. For the consumer thread only, inside a read callback.
     *
     * @param index record index from the callback.
     * @param length record length from the callback.
     * @param out destination, with room for {@code length} bytes.
     */
    public void copyOut(final int index, final int length, final ByteBuf out)
    {
        consumerView.limit(index + length);
        consumerView.position(index);
        out.writeBytes(consumerView);
    }
}
