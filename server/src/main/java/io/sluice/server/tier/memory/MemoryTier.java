package io.sluice.server.tier.memory;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.util.EpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A lane's memory tier: an Agrona ring buffer of a fixed number of bytes holding whole frames, used by the lane's
 * event loop alone (it both writes and reads, so it needs no other thread's cooperation and allocates nothing
 * per frame).
 * <p>
 * The record layout is drawn in {@link RingRecords}; frames larger than an Agrona record are stored as fragments,
 * whole or not at all. The work is done by {@link RingWriter} (frames, GAP frames, tombstones in),
 * {@link RingCopyOut} (frames out), {@link RingEvictor} (drop-oldest) and {@link RingCompactor} (freeing tombstones),
 * counted in {@link RingCounts}; this class sizes the ring and the output chunks.
 * <p>
 * The capacity is the configured size rounded down to a power of two (Agrona's requirement), so the tier never
 * holds more than it was given.
 * <p>
 * Conflation turns a replaced message's record into a tombstone where it lies: its drop is announced when
 * the tier's output reaches that place, so the notice comes after the older messages of its source and before the
 * newer ones. Tombstones hold their bytes until they are read out or {@link #compact compacted}.
 */
public final class MemoryTier
{
    /**
     * Most a drain copies before it stops at a frame boundary, and the largest output chunk; a frame larger than that
     * goes alone in a chunk of its own size.
     */
    public static final int DRAIN_TARGET_BYTES = RingCopyOut.DRAIN_TARGET_BYTES;

    /** Records the lanes view steps over looking for the oldest message. */
    private static final int OLDEST_SCAN_RECORDS = 1024;

    private final RingBuffer ring;
    private final UnsafeBuffer memory;
    /** The ring's memory as a ByteBuf, indexed like the ring, to hand a stored frame on without copying it first. */
    private final ByteBuf ringBytes;
    private final int mask;
    private final RingCounts counts = new RingCounts();
    private final RingWriter writer;
    private final RingCopyOut copyOut;
    private final RingEvictor evictor;
    private final RingCompactor compactor;

    /**
     * @param configuredBytes the size the configuration gives; the ring takes the largest power of two not above it.
     */
    public MemoryTier(final long configuredBytes)
    {
        final int capacity = capacityFor(configuredBytes);
        final ByteBuffer bytes = ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH);
        this.memory = new UnsafeBuffer(bytes);
        this.ring = new OneToOneRingBuffer(memory);
        this.ringBytes = Unpooled.wrappedBuffer(bytes.duplicate());
        this.mask = capacity - 1;
        this.writer = new RingWriter(ring, memory, counts);
        this.copyOut = new RingCopyOut(ring, memory, counts);
        this.evictor = new RingEvictor(ring, counts);
        this.compactor = new RingCompactor(ring, memory, counts, EpochClock::nanos);
    }

    /**
     * @param configuredBytes a configured memory size.
     * @return the ring capacity it yields: the largest power of two not above it, at least 4 KiB.
     */
    public static int capacityFor(final long configuredBytes)
    {
        final long bounded = Math.max(4 * 1024, Math.min(configuredBytes, 1L << 30));
        return (int)Long.highestOneBit(bounded);
    }

    /** @return bytes of records waiting (frame bytes plus 8-byte record headers and alignment). */
    public long usedBytes()
    {
        return ring.size();
    }

    /** @return the ring's capacity. */
    public int capacity()
    {
        return ring.capacity();
    }

    /** @return frames waiting. */
    public long frames()
    {
        return counts.frames();
    }

    /**
     * @return whether no record waits: no message, GAP frame, or remaining fragment of a frame whose first
     * fragment has gone out (nothing else may be written to the subscriber until those have).
     */
    public boolean isEmpty()
    {
        return ring.producerPosition() == ring.consumerPosition();
    }

    /** @return whether more than half the ring is used: the pressure at which sampling starts. */
    public boolean isOverHalfFull()
    {
        return ring.size() > ring.capacity() / 2;
    }

    /**
     * @return whether a frame of {@code frameLength} bytes would be stored now; the same answer
     * {@link #offerFrames} and {@link #offerOne} give, without storing it.
     */
    public boolean fits(final int frameLength)
    {
        return writer.fits(frameLength);
    }

    /** @return bytes of tombstones and GAP records waiting, which {@link #compact} may free. */
    public long junkBytes()
    {
        return counts.junkBytes();
    }

    /**
     * Stores whole frames from {@code src[from, to)} for as long as they fit.
     *
     * @return the index after the last frame stored: {@code to} when all fitted.
     */
    public int offerFrames(final ByteBuf src, final int from, final int to)
    {
        return writer.offerFrames(src, from, to);
    }

    /**
     * Stores one whole frame.
     *
     * @return the position of its (first) record, for {@link #replace}, or -1 when it does not fit.
     */
    public long offerOne(final ByteBuf src, final int index, final int frameLength)
    {
        return writer.offerOne(src, index, frameLength);
    }

    /**
     * Stores the last entry of {@code gaps} as a GAP frame and removes it from the table (or merges it into the GAP
     * record still waiting at the tail).
     *
     * @return false, leaving the table as it was, when it does not fit.
     */
    public boolean offerGap(final GapTable gaps, final long timestampNanos)
    {
        return writer.offerGap(gaps, timestampNanos);
    }

    /**
     * @return whether the frame whose record starts at {@code position} (from {@link #offerOne}) still waits, whole
     * and unread, with {@code key}.
     */
    public boolean isWaiting(final long position, final long key)
    {
        return position >= ring.consumerPosition() && RingRecords.holdsWholeFrame(memory, (int)(position & mask), key);
    }

    /**
     * Conflation: the waiting frame at {@code position} (see {@link #isWaiting}) is replaced by a newer one, which the
     * caller stores next, at the tail. The old frame's record becomes a tombstone where it lies: the newer frame never
     * overtakes older frames of its source, and the old one's drop is announced at its place (see
     * {@link TierGate#onTombstonePassed}). {@code gate} is told of the replaced frame first.
     */
    public void replace(final long position, final TierGate gate)
    {
        writer.replace(position, gate);
    }

    /**
     * Copies the next drain's worth of frames into a buffer sized to it: what waits, up to
     * {@link #DRAIN_TARGET_BYTES}; or, when the next frame (with the GAP frames due before it) is larger, that frame
     * alone, all its fragments, in a buffer just big enough. So a drain always makes progress, every buffer starts and
     * ends on a frame boundary, and none is larger than 64 KiB or one frame and its GAP frames.
     *
     * @param gate drop policy, or null.
     * @return the frames copied, or null (nothing kept allocated) when none was: the tier is empty, or what it held
     * was expired or replaced.
     */
    public ByteBuf drainChunk(final ByteBufAllocator alloc, final TierGate gate)
    {
        if (isEmpty())
        {
            return null;
        }
        final long waiting = ring.size() + (gate == null ? 0 : gate.pendingGapBytes());
        ByteBuf chunk = alloc.directBuffer((int)Math.min(DRAIN_TARGET_BYTES, waiting));
        copyOut.copyTo(chunk, gate);
        if (!chunk.isReadable() && copyOut.needed() > 0)
        {
            chunk.release();
            chunk = alloc.directBuffer(copyOut.needed());
            copyOut.copyTo(chunk, gate);
        }
        if (!chunk.isReadable())
        {
            chunk.release();
            return null;
        }
        return chunk;
    }

    /**
     * {@link #drainChunk} for a hand-over to disk: the buffer is held until the spill thread has written it, so it is
     * no larger than the frames it holds, and the hand-over of a whole tier holds no more than the tier did.
     */
    public ByteBuf handOverChunk(final ByteBufAllocator alloc)
    {
        final ByteBuf chunk = drainChunk(alloc, null);
        if (chunk == null || chunk.readableBytes() == chunk.capacity())
        {
            return chunk;
        }
        final ByteBuf exact = alloc.directBuffer(chunk.readableBytes());
        exact.writeBytes(chunk);
        chunk.release();
        return exact;
    }

    /**
     * Copies whole frames into {@code out} while they fit in its writable bytes, up to {@link #DRAIN_TARGET_BYTES}.
     *
     * @param out destination.
     * @return bytes copied.
     */
    public int drainTo(final ByteBuf out)
    {
        return drainTo(out, null);
    }

    /**
     * Copies whole frames (all fragments of a fragmented one) into {@code out} while they fit, letting {@code gate}
     * (may be null) drop expired frames and put pending GAP frames in front of the next frame. Stops before the next
     * frame once {@link #DRAIN_TARGET_BYTES} were copied: the lane writes a drain's worth at a time while its channel
     * is writable, so a drain's size is what Netty's outbound buffer may hold beyond the high-water mark.
     *
     * @return bytes copied.
     */
    public int drainTo(final ByteBuf out, final TierGate gate)
    {
        return copyOut.copyTo(out, gate);
    }

    /**
     * Drops the oldest frame (all its fragments).
     *
     * @return the dropped frame's length, or 0 when the tier is empty.
     */
    int evictOldest()
    {
        return evictOldest(null);
    }

    /**
     * Drops the oldest message (all its fragments), and any tombstones and GAP frames before it, telling
     * {@code gate} (may be null) of each.
     *
     * @return the dropped message's length, or 0 when no message waits.
     */
    public int evictOldest(final TierGate gate)
    {
        return evictor.evictOldest(gate);
    }

    /**
     * Frees the bytes of tombstones (see {@link RingCompactor}), each run of them and of GAP records becoming GAP
     * records in its place. O(bytes waiting): the caller compacts only once enough was replaced.
     *
     * @param tombstoneReason the reason a tombstone's drop is announced under.
     * @param gate told where each waiting frame now starts ({@link TierGate#onMoved}).
     * @return bytes freed.
     */
    public long compact(final int tombstoneReason, final TierGate gate)
    {
        final long freed = compactor.compact(tombstoneReason, gate);
        writer.forgetLastGap();
        return freed;
    }

    /** @return messages copied out by {@link #drainTo} so far (not those dropped, replaced or evicted). */
    public long delivered()
    {
        return counts.delivered();
    }

    /** @return the ring's memory as a ByteBuf with the ring's indexes; not to be released. */
    public ByteBuf ringBytes()
    {
        return ringBytes;
    }

    /** @return the ring position up to which records have been read or evicted. */
    public long consumerPosition()
    {
        return ring.consumerPosition();
    }

    /**
     * For the lanes view: the timestamp in the header of the oldest waiting message, found by stepping over the
     * records before it (padding, GAP frames, tombstones, the rest of a frame partly written); at most
     * {@code OLDEST_SCAN_RECORDS} of them.
     *
     * @return epoch nanoseconds as stamped by the publisher, or 0 when no message waits within reach.
     */
    public long oldestTimestampNanos()
    {
        final long end = ring.producerPosition();
        long position = ring.consumerPosition();
        for (int i = 0; i < OLDEST_SCAN_RECORDS && position < end; i++)
        {
            final int recordIndex = (int)(position & mask);
            final int recordLength = memory.getInt(RingRecords.lengthOffset(recordIndex));
            if (recordLength <= 0)
            {
                return 0;
            }
            if (memory.getInt(RingRecords.typeOffset(recordIndex)) == RingRecords.MSG_FIRST)
            {
                return memory.getLong(RingRecords.dataOffset(recordIndex) + FrameDescriptor.TIMESTAMP_OFFSET,
                    ByteOrder.BIG_ENDIAN);
            }
            position += RingRecords.alignedLength(recordLength);
        }
        return 0;
    }

    /** @return the largest record: a longer frame is stored as fragments, and is never conflated. */
    public int maxRecord()
    {
        return writer.maxRecord();
    }
}
