package io.sluice.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
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
 * <p>
 * Conflation turns a replaced message's record into a {@link #TOMBSTONE} where it lies: its drop is announced when
 * the tier's output reaches that place, so the notice comes after the older messages of its source and before the
 * newer ones. Tombstones hold their bytes until they are read out or {@link #compact compacted}.
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

    /** Agrona's record header. */
    private static final int RECORD_OVERHEAD = 8;
    /** Agrona's record alignment. */
    private static final int ALIGNMENT = 8;
    /** Agrona's type of the record that pads to the end of the buffer before a wrap. */
    private static final int PADDING = -1;
    /** Ring bytes of a stored GAP frame. */
    private static final int GAP_RECORD_BYTES = BitUtil.align(GapTable.GAP_FRAME_LENGTH + RECORD_OVERHEAD, ALIGNMENT);
    /**
     * Most a drain copies before it stops at a frame boundary, and the largest output chunk; a frame larger than that
     * goes alone in a chunk of its own size.
     */
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
    // Compaction: the notices of one run of tombstones and GAP records.
    private final GapTable run = new GapTable();
    private final io.sluice.core.protocol.Header runHeader = new io.sluice.core.protocol.Header();
    private final int mask;
    private final int tailPositionIndex;
    private long framesIn;
    private long framesOut;
    private long delivered;
    // Bytes of tombstones and GAP records waiting: what compaction could free.
    private long junkBytes;

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
        this.mask = capacity - 1;
        this.tailPositionIndex = capacity + RingBufferDescriptor.TAIL_POSITION_OFFSET;
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
     * @return whether a frame of {@code frameLength} bytes would be stored now; the same answer
     * {@link #offerFrames} and {@link #offerOne} give, without storing it.
     */
    boolean fits(final int frameLength)
    {
        final long free = ring.capacity() - ring.size();
        if (frameLength > maxRecord)
        {
            return free >= fragmentedBytes(frameLength);
        }
        // As Agrona claims: the record, the next record's header, and no split at the end of the buffer.
        final int required = BitUtil.align(frameLength + RECORD_OVERHEAD, ALIGNMENT) + RECORD_OVERHEAD;
        if (required > free)
        {
            return false;
        }
        final int tailIndex = (int)(ring.producerPosition() & mask);
        return required <= ring.capacity() - tailIndex || required <= (int)(ring.consumerPosition() & mask);
    }

    /** @return bytes of tombstones and GAP records waiting, which {@link #compact} may free. */
    long junkBytes()
    {
        return junkBytes;
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
        // Nothing stored since the last GAP record and it still waits: merge into it, so that arriving messages dropped
        // while the tier is full cost one notice, not one each.
        if (lastGapPosition >= ring.consumerPosition() && ring.producerPosition() == tailAfterLastGap
            && gaps.mergeLastInto(memory, (int)(lastGapPosition & mask) + RECORD_OVERHEAD))
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
        junkBytes += GAP_RECORD_BYTES;
        lastGapPosition = before + ((claim - RECORD_OVERHEAD - (int)(before & mask)) & mask);
        tailAfterLastGap = ring.producerPosition();
        return true;
    }

    // The last GAP record stored, and the producer position right after it; -1 before the first.
    private long lastGapPosition = -1;
    private long tailAfterLastGap = -1;

    /**
     * @return whether the frame whose record starts at {@code position} (from {@link #offerOne}) still waits, whole
     * and unread, with {@code key}.
     */
    boolean isWaiting(final long position, final long key)
    {
        if (position < ring.consumerPosition())
        {
            return false;
        }
        final int recordIndex = (int)(position & mask);
        final int dataIndex = recordIndex + RECORD_OVERHEAD;
        return memory.getInt(recordIndex + 4) == MSG_FIRST
            && memory.getInt(dataIndex + FrameDescriptor.LENGTH_OFFSET, java.nio.ByteOrder.BIG_ENDIAN)
                == memory.getInt(recordIndex) - RECORD_OVERHEAD
            && memory.getLong(dataIndex + FrameDescriptor.HEADER_LENGTH, java.nio.ByteOrder.BIG_ENDIAN) == key;
    }

    /**
     * Conflation: the waiting frame at {@code position} (see {@link #isWaiting}) is replaced by a newer one, which the
     * caller stores next, at the tail. The old frame's record becomes a tombstone where it lies: the newer frame never
     * overtakes older frames of its source, and the old one's drop is announced at its place (see
     * {@link TierGate#onTombstonePassed}). {@code gate} is told of the replaced frame first.
     */
    void replace(final long position, final TierGate gate)
    {
        final int recordIndex = (int)(position & mask);
        gate.onReplaced(memory, recordIndex + RECORD_OVERHEAD);
        memory.putInt(recordIndex + 4, TOMBSTONE);
        junkBytes += BitUtil.align(memory.getInt(recordIndex), ALIGNMENT);
        framesOut++;
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
        // Fragmented: make sure every fragment fits before writing the first.
        if (ring.capacity() - ring.size() < fragmentedBytes(frameLength))
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

    // Room a fragmented frame needs: every fragment at the largest size, and one wrap's padding.
    private long fragmentedBytes(final int frameLength)
    {
        final int fragments = (frameLength + maxRecord - 1) / maxRecord;
        return (long)fragments * BitUtil.align(maxRecord + RECORD_OVERHEAD, ALIGNMENT) + maxRecord + RECORD_OVERHEAD;
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
    ByteBuf drainChunk(final ByteBufAllocator alloc, final TierGate gate)
    {
        if (isEmpty())
        {
            return null;
        }
        final long waiting = ring.size() + (gate == null ? 0 : gate.pendingGapBytes());
        ByteBuf chunk = alloc.directBuffer((int)Math.min(DRAIN_TARGET_BYTES, waiting));
        drainTo(chunk, gate);
        if (!chunk.isReadable() && copyOut.needed > 0)
        {
            chunk.release();
            chunk = alloc.directBuffer(copyOut.needed);
            drainTo(chunk, gate);
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
    ByteBuf handOverChunk(final ByteBufAllocator alloc)
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
    int drainTo(final ByteBuf out)
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
    int drainTo(final ByteBuf out, final TierGate gate)
    {
        copyOut.out = out;
        copyOut.gate = gate;
        copyOut.copied = 0;
        copyOut.needed = 0;
        copyOut.stopped = false;
        // A read stops at the end of the buffer: go on past the wrap, so that a frame is never cut there.
        long before;
        do
        {
            before = ring.consumerPosition();
            ring.controlledRead(copyOut);
        }
        while (!copyOut.stopped && ring.consumerPosition() != before);
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
    int evictOldest(final TierGate gate)
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

    /**
     * Frees the bytes of tombstones. Each run of tombstones and GAP records between two waiting frames becomes one GAP
     * record per source where the run's bytes hold them (a run too short for them stays as it is), and the waiting
     * records move up behind each other in their order. So every notice keeps its place, after the older frames of
     * its source and before the newer ones. O(bytes waiting): the caller compacts only once enough was replaced.
     *
     * @param tombstoneReason the reason a tombstone's drop is announced under.
     * @param gate told where each waiting frame now starts ({@link TierGate#onMoved}).
     * @return bytes freed.
     */
    long compact(final int tombstoneReason, final TierGate gate)
    {
        final long tail = ring.producerPosition();
        long read = ring.consumerPosition();
        long write = read;
        long runStart = -1;
        junkKept = 0;
        while (read < tail)
        {
            final int index = (int)(read & mask);
            final int recordLength = memory.getInt(index);
            final int type = memory.getInt(index + 4);
            if (type == TOMBSTONE || type == MSG_GAP)
            {
                runStart = runStart < 0 ? read : runStart;
                collect(type, index + RECORD_OVERHEAD, tombstoneReason);
            }
            else if (type != PADDING)
            {
                if (runStart >= 0)
                {
                    write = endRun(runStart, read, write);
                    runStart = -1;
                }
                write = move(read, write, recordLength);
                if (type == MSG_FIRST)
                {
                    final long position = write - BitUtil.align(recordLength, ALIGNMENT);
                    gate.onMoved(memory, (int)(position & mask) + RECORD_OVERHEAD, position);
                }
            }
            read += BitUtil.align(recordLength, ALIGNMENT);
        }
        if (runStart >= 0)
        {
            write = endRun(runStart, tail, write);
        }
        // As Agrona does after each record it claims: a zero header where the reader must stop.
        memory.putLong((int)(write & mask), 0L);
        memory.putLongOrdered(tailPositionIndex, write);
        junkBytes = junkKept;
        lastGapPosition = -1;
        tailAfterLastGap = -1;
        return tail - write;
    }

    private long junkKept;

    private void collect(final int type, final int index, final int tombstoneReason)
    {
        runHeader.wrap(memory, index);
        if (type == TOMBSTONE)
        {
            run.add(runHeader.streamId(), runHeader.sourceId(), runHeader.sequence(), tombstoneReason);
        }
        else
        {
            run.add(runHeader.streamId(), runHeader.sourceId(), runHeader.gapFromSequence(),
                runHeader.gapToSequence(), runHeader.gapDroppedCount(), runHeader.gapReason());
        }
    }

    // The notices of the run [runStart, runEnd) go at write: as one GAP record per source when they end by runEnd
    // (where the next waiting record starts), else as the run's records were. Returns where writing goes on.
    private long endRun(final long runStart, final long runEnd, final long write)
    {
        long end = write;
        for (int i = 0; i < run.size(); i++)
        {
            end = place(end, GAP_RECORD_BYTES, false) + GAP_RECORD_BYTES;
        }
        long position = write;
        if (end <= runEnd)
        {
            final long now = io.sluice.core.util.EpochClock.nanos();
            while (!run.isEmpty())
            {
                position = place(position, GAP_RECORD_BYTES, true);
                final int index = (int)(position & mask);
                gapScratch.clear();
                run.writeLast(gapScratch, now);
                memory.putBytes(index + RECORD_OVERHEAD, gapBytes, 0, gapBytes.length);
                memory.putInt(index + 4, MSG_GAP);
                memory.putInt(index, GapTable.GAP_FRAME_LENGTH + RECORD_OVERHEAD);
                position += GAP_RECORD_BYTES;
                junkKept += GAP_RECORD_BYTES;
            }
            return position;
        }
        run.clear();
        for (long read = runStart; read < runEnd; )
        {
            final int index = (int)(read & mask);
            final int recordLength = memory.getInt(index);
            if (memory.getInt(index + 4) != PADDING)
            {
                position = move(read, position, recordLength);
                junkKept += BitUtil.align(recordLength, ALIGNMENT);
            }
            read += BitUtil.align(recordLength, ALIGNMENT);
        }
        return position;
    }

    // Moves the record at ring position from to write (write <= from, so the bytes it covers were read already);
    // returns the position after it.
    private long move(final long from, final long write, final int recordLength)
    {
        final int aligned = BitUtil.align(recordLength, ALIGNMENT);
        final long position = place(write, aligned, true);
        if (position != from)
        {
            memory.putBytes((int)(position & mask), memory, (int)(from & mask), recordLength);
        }
        return position + aligned;
    }

    // Where a record of aligned bytes goes when written at position: there, or at the buffer's start after a padding
    // record (written when asked) to its end. A record that does not fit at write in the lap of its old place lies in
    // a later lap, so the padding covers bytes already read.
    private long place(final long position, final int aligned, final boolean write)
    {
        final int index = (int)(position & mask);
        final int toEnd = ring.capacity() - index;
        if (aligned <= toEnd)
        {
            return position;
        }
        if (write)
        {
            memory.putInt(index + 4, PADDING);
            memory.putInt(index, toEnd);
        }
        return position + toEnd;
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

    /** @return the largest record: a longer frame is stored as fragments, and is never conflated. */
    int maxRecord()
    {
        return maxRecord;
    }

    private final class CopyOut implements ControlledMessageHandler
    {
        ByteBuf out;
        TierGate gate;
        int copied;
        /** Bytes the first frame (with its GAP frames) needs when it did not fit in an empty {@code out}. */
        int needed;
        boolean stopped;
        /** The fragments after an expired first fragment go too; kept across drains. */
        boolean skipping;

        @Override
        public Action onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            if (msgTypeId == TOMBSTONE)
            {
                junkBytes -= BitUtil.align(length + RECORD_OVERHEAD, ALIGNMENT);
                if (gate != null)
                {
                    gate.onTombstonePassed(buffer, index);
                }
                return Action.CONTINUE;
            }
            if (msgTypeId == MSG_MORE)
            {
                // The rest of a frame whose first fragment went out (or was dropped) just before: room was made for
                // the whole frame.
                return skipping ? Action.CONTINUE : copy(buffer, index, length, length);
            }
            if (copied >= DRAIN_TARGET_BYTES)
            {
                return stop(0);
            }
            int bytes = length;
            if (msgTypeId == MSG_FIRST)
            {
                skipping = false;
                if (gate != null && gate.expired(buffer, index))
                {
                    skipping = true;
                    framesOut++;
                    return Action.CONTINUE;
                }
                // The whole frame, all its fragments.
                bytes = buffer.getInt(index + FrameDescriptor.LENGTH_OFFSET, java.nio.ByteOrder.BIG_ENDIAN);
            }
            // Drops announced at the head go out before the next frame (a stored GAP frame too, so that notices keep
            // their order).
            final int gapBytes = gate == null ? 0 : gate.pendingGapBytes();
            if (out.writableBytes() < gapBytes + bytes)
            {
                return stop(gapBytes + bytes);
            }
            if (gapBytes > 0)
            {
                final int before = out.writerIndex();
                gate.writeGaps(out);
                copied += out.writerIndex() - before;
            }
            copy(buffer, index, length, bytes);
            if (msgTypeId == MSG_FIRST)
            {
                framesOut++;
                delivered++;
            }
            else
            {
                junkBytes -= GAP_RECORD_BYTES;
            }
            return Action.CONTINUE;
        }

        private Action copy(final MutableDirectBuffer buffer, final int index, final int length, final int bytes)
        {
            if (out.writableBytes() < length)
            {
                return stop(bytes);
            }
            view.limit(index + length);
            view.position(index);
            out.writeBytes(view);
            copied += length;
            return Action.CONTINUE;
        }

        // The frame does not fit: it starts the next buffer, which must hold needed bytes when this one is empty.
        private Action stop(final int bytes)
        {
            if (copied == 0)
            {
                needed = bytes;
            }
            stopped = true;
            return Action.ABORT;
        }
    }

    private final class Evictor implements ControlledMessageHandler
    {
        int length;
        boolean started;
        boolean stopped;
        TierGate gate;

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
                junkBytes -= BitUtil.align(length + RECORD_OVERHEAD, ALIGNMENT);
                if (gate != null)
                {
                    if (msgTypeId == MSG_GAP)
                    {
                        gate.onGapEvicted(buffer, index);
                    }
                    else
                    {
                        gate.onTombstonePassed(buffer, index);
                    }
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
