package io.sluice.server.tier.memory;

import io.netty.buffer.ByteBuf;
import io.sluice.core.protocol.FrameDescriptor;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static io.sluice.server.tier.memory.RingRecords.MSG_FIRST;
import static io.sluice.server.tier.memory.RingRecords.MSG_MORE;
import static io.sluice.server.tier.memory.RingRecords.TOMBSTONE;

/**
 * Reads a memory tier's ring out into a ByteBuf: whole frames only (every fragment of a fragmented one), GAP frames in
 * their place, tombstones skipped and announced, expired frames dropped, and the GAP frames a {@link TierGate} holds
 * written before the next frame. Stops at a frame boundary once {@link #DRAIN_TARGET_BYTES} were copied, or before
 * a frame that does not fit, remembering in {@link #needed} what a buffer must hold when the first did not.
 * Event loop only; one instance per ring, reused for every read.
 */
final class RingCopyOut implements ControlledMessageHandler
{
    /**
     * Most a read copies before it stops at a frame boundary, and the largest output chunk; a frame larger than that
     * goes alone in a chunk of its own size.
     */
    static final int DRAIN_TARGET_BYTES = 64 * 1024;

    private final RingBuffer ring;
    private final RingCounts counts;
    /** The ring's memory as a NIO buffer, indexed like the ring, for Netty's bulk copy. */
    private final ByteBuffer view;
    private ByteBuf out;
    private TierGate gate;
    private int copied;
    /** Bytes the first frame (with its GAP frames) needs when it did not fit in an empty {@code out}. */
    private int needed;
    private boolean stopped;
    /** The fragments after an expired first fragment go too; kept across reads. */
    private boolean skipping;

    /**
     * @param ring the ring, over {@code memory}.
     * @param memory wraps a whole direct ByteBuffer.
     * @param counts counts each message delivered or expired, and the tombstones and GAP records read.
     */
    RingCopyOut(final RingBuffer ring, final UnsafeBuffer memory, final RingCounts counts)
    {
        this.ring = ring;
        this.counts = counts;
        this.view = memory.byteBuffer().duplicate();
    }

    /**
     * Copies whole frames into {@code out} while they fit, letting {@code gate} (may be null) drop expired frames and
     * put pending GAP frames in front of the next frame.
     *
     * @return bytes copied.
     */
    int copyTo(final ByteBuf out, final TierGate gate)
    {
        this.out = out;
        this.gate = gate;
        copied = 0;
        needed = 0;
        stopped = false;
        // A read stops at the end of the buffer: go on past the wrap, so that a frame is never cut there.
        long before;
        do
        {
            before = ring.consumerPosition();
            ring.controlledRead(this);
        }
        while (!stopped && ring.consumerPosition() != before);
        this.out = null;
        this.gate = null;
        return copied;
    }

    /** @return bytes the next frame and its GAP frames need, when the last {@link #copyTo} copied nothing; else 0. */
    int needed()
    {
        return needed;
    }

    @Override
    public Action onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        if (msgTypeId == TOMBSTONE)
        {
            counts.removeJunk(RingRecords.recordBytes(length));
            if (gate != null)
            {
                gate.onTombstonePassed(buffer, index);
            }
            return Action.CONTINUE;
        }
        if (msgTypeId == MSG_MORE)
        {
            // The rest of a frame whose first fragment went out (or was dropped) just before: room was made for the
            // whole frame.
            return skipping ? Action.CONTINUE : copy(index, length, length);
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
                counts.onRemoved();
                return Action.CONTINUE;
            }
            // The whole frame, all its fragments.
            bytes = buffer.getInt(index + FrameDescriptor.LENGTH_OFFSET, ByteOrder.BIG_ENDIAN);
        }
        // Drops announced at the head go out before the next frame (a stored GAP frame too, so that notices keep their
        // order).
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
        copy(index, length, bytes);
        if (msgTypeId == MSG_FIRST)
        {
            counts.onDelivered();
        }
        else
        {
            counts.removeJunk(RingRecords.GAP_RECORD_BYTES);
        }
        return Action.CONTINUE;
    }

    private Action copy(final int index, final int length, final int bytes)
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
