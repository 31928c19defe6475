package io.sluice.server;

import io.netty.buffer.ByteBuf;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.ring.ByteBufCopy;
import org.agrona.BitUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;

/**
 * A lane's memory tier: an Agrona ring buffer of a fixed number of bytes holding whole frames, used by the lane's
 * event loop alone (it both writes and reads, so it needs no other thread's cooperation and allocates nothing
 * per frame).
 * <p>
 * Agrona caps a record at an eighth of the ring, so a frame larger than that is stored as consecutive
 * fragments: a {@link #MSG_FIRST} record, then {@link #MSG_MORE} records. A frame is stored whole or not at all.
 * Because the ring is read as a byte stream into the subscriber's socket, fragments need no reassembly.
 * <p>
 * The capacity is the configured size rounded down to a power of two (Agrona's requirement), so the tier never
 * holds more than it was given.
 */
final class MemoryTier
{
    /** Record holding a frame's first (or only) bytes. */
    static final int MSG_FIRST = 1;
    /** Record continuing the frame before it. */
    static final int MSG_MORE = 2;

    /** Agrona's record header. */
    private static final int RECORD_OVERHEAD = 8;

    private final RingBuffer ring;
    private final UnsafeBuffer memory;
    private final ByteBuffer view;
    private final int maxRecord;
    private final CopyOut copyOut = new CopyOut();
    private final Evictor evictor = new Evictor();
    private final UnsafeBuffer scratch = new UnsafeBuffer(0, 0);
    private long framesIn;
    private long framesOut;

    /**
     * @param configuredBytes the size the configuration gives; the ring takes the largest power of two not above it.
     */
    MemoryTier(final long configuredBytes)
    {
        final int capacity = capacityFor(configuredBytes);
        final ByteBuffer bytes = ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH);
        this.memory = new UnsafeBuffer(bytes);
        this.ring = new OneToOneRingBuffer(memory);
        this.view = bytes.duplicate();
        this.maxRecord = ring.maxMsgLength();
    }

    /**
     * @param configuredBytes a configured memory size.
     * @return the ring capacity it yields: the largest power of two not above it, at least 64 KiB.
     */
    static int capacityFor(final long configuredBytes)
    {
        final long bounded = Math.max(64 * 1024, Math.min(configuredBytes, 1L << 30));
        return (int)Long.highestOneBit(bounded);
    }

    /** @return bytes of records waiting (frame bytes plus 8-byte record headers and alignment). */
    long usedBytes()
    {
        return ring.size();
    }

    /** @return the ring's capacity. */
    int capacity()
    {
        return ring.capacity();
    }

    /** @return frames waiting. */
    long frames()
    {
        return framesIn - framesOut;
    }

    boolean isEmpty()
    {
        return framesIn == framesOut;
    }

    /**
     * Stores whole frames from {@code src[from, to)} for as long as they fit.
     *
     * @return the index after the last frame stored: {@code to} when all fitted.
     */
    int offerFrames(final ByteBuf src, final int from, final int to)
    {
        int index = from;
        while (index < to)
        {
            final int frameLength = src.getInt(index + FrameDescriptor.LENGTH_OFFSET);
            if (!offerFrame(src, index, frameLength))
            {
                break;
            }
            index += frameLength;
        }
        return index;
    }

    private boolean offerFrame(final ByteBuf src, final int index, final int frameLength)
    {
        if (frameLength <= maxRecord)
        {
            final int claim = ring.tryClaim(MSG_FIRST, frameLength);
            if (claim < 0)
            {
                return false;
            }
            ByteBufCopy.copy(src, index, frameLength, memory, claim, scratch);
            ring.commit(claim);
            framesIn++;
            return true;
        }
        // Fragmented: make sure every fragment fits before writing the first, allowing one wrap's padding.
        final int fragments = (frameLength + maxRecord - 1) / maxRecord;
        final long needed = (long)fragments * (BitUtil.align(maxRecord + RECORD_OVERHEAD, 8)) + maxRecord + RECORD_OVERHEAD;
        if (ring.capacity() - ring.size() < needed)
        {
            return false;
        }
        int offset = 0;
        int type = MSG_FIRST;
        while (offset < frameLength)
        {
            final int length = Math.min(maxRecord, frameLength - offset);
            final int claim = ring.tryClaim(type, length);
            if (claim < 0)
            {
                throw new IllegalStateException("memory tier refused a fragment after reserving room for the frame");
            }
            ByteBufCopy.copy(src, index + offset, length, memory, claim, scratch);
            ring.commit(claim);
            offset += length;
            type = MSG_MORE;
        }
        framesIn++;
        return true;
    }

    /**
     * Copies records into {@code out} while they fit in its writable bytes.
     *
     * @param out destination.
     * @return bytes copied.
     */
    int drainTo(final ByteBuf out)
    {
        copyOut.out = out;
        copyOut.copied = 0;
        ring.controlledRead(copyOut);
        copyOut.out = null;
        return copyOut.copied;
    }

    /**
     * Drops the oldest frame (all its fragments).
     *
     * @return the dropped frame's length, or 0 when the tier is empty.
     */
    int evictOldest()
    {
        evictor.length = 0;
        evictor.started = false;
        ring.controlledRead(evictor);
        if (evictor.length > 0)
        {
            framesOut++;
        }
        return evictor.length;
    }

    /** @return the largest record; an output chunk at least this big always makes progress. */
    int maxRecord()
    {
        return maxRecord;
    }

    private final class CopyOut implements ControlledMessageHandler
    {
        ByteBuf out;
        int copied;

        @Override
        public Action onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            if (out.writableBytes() < length)
            {
                return Action.ABORT;
            }
            view.limit(index + length);
            view.position(index);
            out.writeBytes(view);
            copied += length;
            if (msgTypeId == MSG_FIRST)
            {
                framesOut++;
            }
            return Action.CONTINUE;
        }
    }

    private static final class Evictor implements ControlledMessageHandler
    {
        int length;
        boolean started;

        @Override
        public Action onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            if (msgTypeId == MSG_FIRST)
            {
                if (started)
                {
                    return Action.ABORT;
                }
                started = true;
            }
            this.length += length;
            return Action.CONTINUE;
        }
    }
}
