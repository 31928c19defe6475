package io.sluice.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.core.netty.ByteBufView;
import io.sluice.core.protocol.FrameDescriptor;
import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
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
    /** Record holding a GAP frame the lane wrote: delivered like a frame, not counted as a message. */
    static final int MSG_GAP = 3;
    /** Record of a message replaced by a newer one with the same key: skipped on the way out. */
    static final int TOMBSTONE = 4;

    /**
     * What a drop policy needs to see on the way out of the tier. Called from {@link #drainTo} and
     * {@link #evictOldest}, on the lane's event loop.
     */
    interface Gate
    {
        /** @return whether the frame at {@code index} is to be dropped instead of delivered (it is then counted). */
        boolean expired(DirectBuffer buffer, int index);

        /** @return bytes of GAP frames that must go out before the next message. */
        int pendingGapBytes();

        /** Writes the pending GAP frames to {@code out}. */
        void writeGaps(ByteBuf out);

        /** The frame at {@code index} was evicted to make room. */
        void onEvicted(DirectBuffer buffer, int index);

        /** A GAP frame stored at {@code index} was evicted; its drops still need reporting. */
        void onGapEvicted(DirectBuffer buffer, int index);

        /** The frame at {@code index} is being replaced by a newer one with the same key. */
        void onReplaced(DirectBuffer buffer, int index);
    }

    /** Agrona's record header. */
    private static final int RECORD_OVERHEAD = 8;
    /** Most a drain copies before it stops at a frame boundary (a single larger frame still goes whole). */
    static final int DRAIN_TARGET_BYTES = 64 * 1024;

    private final RingBuffer ring;
    private final UnsafeBuffer memory;
    private final ByteBuffer view;
    /** The ring's memory as a ByteBuf, indexed like the ring, to hand a stored frame on without copying it first. */
    private final ByteBuf ringBytes;
    private final int maxRecord;
    private final CopyOut copyOut = new CopyOut();
    private final Evictor evictor = new Evictor();
    // Sources are read through a view of their memory (event loop only).
    private final ByteBufView source = new ByteBufView();
    private final byte[] gapBytes = new byte[GapTable.GAP_FRAME_LENGTH];
    private final ByteBuf gapScratch = Unpooled.wrappedBuffer(gapBytes);
    private long framesIn;
    private long framesOut;
    private long delivered;

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
        this.ringBytes = Unpooled.wrappedBuffer(bytes.duplicate());
        this.maxRecord = ring.maxMsgLength();
    }

    /**
     * @param configuredBytes a configured memory size.
     * @return the ring capacity it yields: the largest power of two not above it, at least 4 KiB.
     */
    static int capacityFor(final long configuredBytes)
    {
        final long bounded = Math.max(4 * 1024, Math.min(configuredBytes, 1L << 30));
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

    /**
     * @return whether no record waits: no message, GAP frame, or remaining fragment of a frame whose first
     * fragment has gone out (nothing else may be written to the subscriber until those have).
     */
    boolean isEmpty()
    {
        return ring.producerPosition() == ring.consumerPosition();
    }

    /** @return whether more than half the ring is used: the pressure at which sampling starts. */
    boolean isOverHalfFull()
    {
        return ring.size() > ring.capacity() / 2;
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

    /**
     * Stores one whole frame.
     *
     * @return the position of its (first) record, for {@link #replace}, or -1 when it does not fit.
     */
    long offerOne(final ByteBuf src, final int index, final int frameLength)
    {
        final long before = ring.producerPosition();
        if (!offerFrame(src, index, frameLength))
        {
            return -1;
        }
        // The record starts where the producer was, or at 0 when the claim wrapped past padding.
        final int mask = ring.capacity() - 1;
        final int recordIndex = lastClaim - RECORD_OVERHEAD;
        return before + ((recordIndex - (int)(before & mask)) & mask);
    }

    /**
     * Stores the last entry of {@code gaps} as a GAP frame and removes it from the table.
     *
     * @return false, leaving the table as it was, when it does not fit.
     */
    boolean offerGap(final GapTable gaps, final long timestampNanos)
    {
        // Nothing stored since the last GAP record and it still waits: merge into it. Conflation replaces messages in
        // place, so without this a stalled subscriber's tier filled with one GAP record per replaced message, and
        // then refused the newest messages for want of room.
        if (lastGapPosition >= ring.consumerPosition() && ring.producerPosition() == tailAfterLastGap
            && gaps.mergeLastInto(memory, (int)(lastGapPosition & (ring.capacity() - 1)) + RECORD_OVERHEAD))
        {
            return true;
        }
        final long before = ring.producerPosition();
        final int claim = ring.tryClaim(MSG_GAP, gapBytes.length);
        if (claim < 0)
        {
            return false;
        }
        gapScratch.clear();
        gaps.writeLast(gapScratch, timestampNanos);
        memory.putBytes(claim, gapBytes, 0, gapBytes.length);
        ring.commit(claim);
        final int mask = ring.capacity() - 1;
        lastGapPosition = before + ((claim - RECORD_OVERHEAD - (int)(before & mask)) & mask);
        tailAfterLastGap = ring.producerPosition();
        return true;
    }

    // The last GAP record stored, and the producer position right after it; -1 before the first.
    private long lastGapPosition = -1;
    private long tailAfterLastGap = -1;

    /** Outcome of {@link #replace}: the new frame took the old one's place. */
    static final int REPLACED = 1;
    /** Outcome of {@link #replace}: the old frame was removed; the new one still needs storing. */
    static final int REMOVED = 2;
    /** Outcome of {@link #replace}: the position no longer holds a waiting frame with that key. */
    static final int NOT_WAITING = 0;

    /**
     * Conflation: replaces the waiting frame at {@code position} (from {@link #offerOne}) if it still waits and
     * has {@code key}. A frame of the same length is overwritten where it is, keeping its place in the queue;
     * otherwise the old frame becomes a tombstone. {@code gate} is told of the replaced frame before it goes.
     */
    int replace(final long position, final long key, final ByteBuf src, final int index, final int frameLength,
        final Gate gate)
    {
        if (position < ring.consumerPosition())
        {
            return NOT_WAITING;
        }
        final int recordIndex = (int)(position & (ring.capacity() - 1));
        final int dataIndex = recordIndex + RECORD_OVERHEAD;
        if (memory.getInt(recordIndex + 4) != MSG_FIRST
            || memory.getInt(dataIndex + FrameDescriptor.LENGTH_OFFSET, java.nio.ByteOrder.BIG_ENDIAN)
                != memory.getInt(recordIndex) - RECORD_OVERHEAD
            || memory.getLong(dataIndex + FrameDescriptor.HEADER_LENGTH, java.nio.ByteOrder.BIG_ENDIAN) != key)
        {
            return NOT_WAITING;
        }
        gate.onReplaced(memory, dataIndex);
        if (memory.getInt(recordIndex) - RECORD_OVERHEAD == frameLength)
        {
            memory.putBytes(dataIndex, source.wrap(src), index, frameLength);
            return REPLACED;
        }
        memory.putInt(recordIndex + 4, TOMBSTONE);
        framesOut++;
        return REMOVED;
    }

    private int lastClaim;

    private boolean offerFrame(final ByteBuf src, final int index, final int frameLength)
    {
        if (frameLength <= maxRecord)
        {
            final int claim = ring.tryClaim(MSG_FIRST, frameLength);
            if (claim < 0)
            {
                return false;
            }
            memory.putBytes(claim, source.wrap(src), index, frameLength);
            ring.commit(claim);
            framesIn++;
            lastClaim = claim;
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
            if (type == MSG_FIRST)
            {
                lastClaim = claim;
            }
            memory.putBytes(claim, source.wrap(src), index + offset, length);
            ring.commit(claim);
            offset += length;
            type = MSG_MORE;
        }
        framesIn++;
        return true;
    }

    /**
     * Copies records into {@code out} while they fit in its writable bytes, up to {@link #DRAIN_TARGET_BYTES}.
     *
     * @param out destination.
     * @return bytes copied.
     */
    int drainTo(final ByteBuf out)
    {
        return drainTo(out, null);
    }

    /**
     * Copies records into {@code out} while they fit, letting {@code gate} (may be null) drop expired frames and
     * put pending GAP frames in front of the next message. Stops before the next frame once
     * {@link #DRAIN_TARGET_BYTES} were copied: the lane writes a drain's worth at a time while its channel is
     * writable, so a drain's size is what Netty's outbound buffer may hold beyond the high-water mark.
     *
     * @return bytes copied.
     */
    int drainTo(final ByteBuf out, final Gate gate)
    {
        copyOut.out = out;
        copyOut.gate = gate;
        copyOut.copied = 0;
        ring.controlledRead(copyOut);
        copyOut.out = null;
        copyOut.gate = null;
        return copyOut.copied;
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
    int evictOldest(final Gate gate)
    {
        evictor.length = 0;
        evictor.started = false;
        evictor.stopped = false;
        evictor.gate = gate;
        // A read stops at the end of the buffer: go on until the frame's last fragment, even past the wrap.
        int read;
        do
        {
            read = ring.controlledRead(evictor);
        }
        while (!evictor.stopped && read > 0);
        evictor.gate = null;
        if (evictor.length > 0)
        {
            framesOut++;
        }
        return evictor.length;
    }

    /** @return messages copied out by {@link #drainTo} so far (not those dropped, replaced or evicted). */
    long delivered()
    {
        return delivered;
    }

    /** @return the ring's memory as a ByteBuf with the ring's indexes; not to be released. */
    ByteBuf ringBytes()
    {
        return ringBytes;
    }

    /** @return the ring position up to which records have been read or evicted. */
    long consumerPosition()
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
    long oldestTimestampNanos()
    {
        final int mask = ring.capacity() - 1;
        final long end = ring.producerPosition();
        long position = ring.consumerPosition();
        for (int i = 0; i < OLDEST_SCAN_RECORDS && position < end; i++)
        {
            final int recordIndex = (int)(position & mask);
            final int recordLength = memory.getInt(RecordDescriptor.lengthOffset(recordIndex));
            if (recordLength <= 0)
            {
                return 0;
            }
            if (memory.getInt(RecordDescriptor.typeOffset(recordIndex)) == MSG_FIRST)
            {
                return memory.getLong(RecordDescriptor.encodedMsgOffset(recordIndex) + FrameDescriptor.TIMESTAMP_OFFSET,
                    java.nio.ByteOrder.BIG_ENDIAN);
            }
            position += BitUtil.align(recordLength, RecordDescriptor.ALIGNMENT);
        }
        return 0;
    }

    private static final int OLDEST_SCAN_RECORDS = 1024;

    /** @return the largest record; an output chunk at least this big always makes progress. */
    int maxRecord()
    {
        return maxRecord;
    }

    private final class CopyOut implements ControlledMessageHandler
    {
        ByteBuf out;
        Gate gate;
        int copied;
        /** The fragments after an expired first fragment go too; kept across drains. */
        boolean skipping;

        @Override
        public Action onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            if (msgTypeId == TOMBSTONE || (msgTypeId == MSG_MORE && skipping))
            {
                return Action.CONTINUE;
            }
            if (copied >= DRAIN_TARGET_BYTES && msgTypeId != MSG_MORE)
            {
                return Action.ABORT;
            }
            if (msgTypeId == MSG_FIRST)
            {
                skipping = false;
                if (gate != null)
                {
                    if (gate.expired(buffer, index))
                    {
                        skipping = true;
                        framesOut++;
                        return Action.CONTINUE;
                    }
                    final int gapBytes = gate.pendingGapBytes();
                    if (gapBytes > 0)
                    {
                        if (out.writableBytes() < gapBytes + length)
                        {
                            return Action.ABORT;
                        }
                        final int before = out.writerIndex();
                        gate.writeGaps(out);
                        copied += out.writerIndex() - before;
                    }
                }
            }
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
                delivered++;
            }
            return Action.CONTINUE;
        }
    }

    private final class Evictor implements ControlledMessageHandler
    {
        int length;
        boolean started;
        boolean stopped;
        Gate gate;

        @Override
        public Action onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            final Action action = decide(msgTypeId, buffer, index, length);
            stopped = action == Action.ABORT;
            return action;
        }

        private Action decide(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            if (msgTypeId == TOMBSTONE || msgTypeId == MSG_GAP)
            {
                if (started)
                {
                    return Action.ABORT;
                }
                if (msgTypeId == MSG_GAP && gate != null)
                {
                    gate.onGapEvicted(buffer, index);
                }
                return Action.CONTINUE;
            }
            if (msgTypeId == MSG_MORE && !started)
            {
                // The rest of a frame already partly written to the subscriber: it must go out whole.
                return Action.ABORT;
            }
            if (msgTypeId == MSG_FIRST)
            {
                if (started)
                {
                    return Action.ABORT;
                }
                started = true;
                if (gate != null)
                {
                    gate.onEvicted(buffer, index);
                }
            }
            this.length += length;
            return Action.CONTINUE;
        }
    }
}
