package io.sluice.spill.deadletter;

import io.netty.buffer.ByteBuf;
import io.sluice.core.netty.ByteBufView;
import io.sluice.core.protocol.FrameDescriptor;
import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

import static io.sluice.spill.deadletter.DeadLetterDescriptor.*;

/**
 * The hand-off side of a {@link DeadLetterStore}: any thread, concurrently (each Netty event loop whose lane drops),
 * copies dropped frames with their stream, reason and drop time into a bounded Agrona many-to-one ring, laid out as
 * {@link DeadLetterDescriptor} draws a record; the spill thread takes them out with {@link #read}. Offering never
 * blocks, never allocates, never touches the disk; what does not fit is counted in {@link #refusedFull()}.
 */
final class DeadLetterHandOff
{
    private static final int MSG_TYPE = 1;
    private static final VarHandle REFUSED_FULL;

    static
    {
        try
        {
            REFUSED_FULL = MethodHandles.lookup().findVarHandle(DeadLetterHandOff.class, "refusedFull", long.class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int maxFrameLength;
    private final UnsafeBuffer ringMemory;
    private final ManyToOneRingBuffer ring;
    private volatile boolean closed;
    @SuppressWarnings("unused")
    private long refusedFull;

    /**
     * @param ringBytes      ring capacity: a power of two of at least {@link DeadLetterStore#MIN_RING_BYTES}, allocated
     *                       once, off-heap.
     * @param maxFrameLength the largest frame to keep.
     * @throws IllegalArgumentException if {@code ringBytes} is not a power of two of at least
     *                                  {@link DeadLetterStore#MIN_RING_BYTES}.
     */
    DeadLetterHandOff(final int ringBytes, final int maxFrameLength)
    {
        if (ringBytes < DeadLetterStore.MIN_RING_BYTES || !BitUtil.isPowerOfTwo(ringBytes))
        {
            throw new IllegalArgumentException("ringBytes must be a power of two of at least "
                + DeadLetterStore.MIN_RING_BYTES + ", was " + ringBytes);
        }
        this.maxFrameLength = maxFrameLength;
        this.ringMemory = new UnsafeBuffer(BufferUtil.allocateDirectAligned(
            ringBytes + RingBufferDescriptor.TRAILER_LENGTH, BitUtil.CACHE_LINE_LENGTH));
        this.ring = new ManyToOneRingBuffer(ringMemory);
    }

    /**
     * Copies each whole frame in {@code [index, index + length)} into the ring as one record, as
     * {@link DeadLetterStore#offer(CharSequence, int, long, ByteBuf, int, int)}.
     *
     * @param stream        the stream's name (1..255 ASCII characters).
     * @param reason        the drop reason code.
     * @param dropTimeNanos when the relay dropped them, epoch nanoseconds.
     * @param frames        holds the frames.
     * @param index         first byte of the first frame.
     * @param length        bytes of whole frames.
     * @return frames accepted into the ring; the others were counted in {@link #refusedFull()}.
     */
    int offer(
        final CharSequence stream,
        final int reason,
        final long dropTimeNanos,
        final ByteBuf frames,
        final int index,
        final int length)
    {
        final int streamLength = stream.length();
        if (streamLength < 1 || streamLength > MAX_STREAM_LENGTH)
        {
            throw new IllegalArgumentException("stream name of " + streamLength + " characters");
        }
        if (index < 0 || length < 0 || index > frames.capacity() - length)
        {
            throw new IndexOutOfBoundsException("index " + index + " length " + length + " capacity "
                + frames.capacity());
        }
        final int end = index + length;
        int count = 0;
        for (int i = index; i < end; count++)
        {
            // Check the whole run first: misuse hands nothing over, rather than half a run.
            final int frameLength = frames.getInt(i + FrameDescriptor.LENGTH_OFFSET);
            if (frameLength < FrameDescriptor.HEADER_LENGTH || frameLength > end - i)
            {
                throw new IllegalArgumentException("not a whole frame at " + i + ": length " + frameLength);
            }
            i += frameLength;
        }
        if (closed)
        {
            refuseFull(count);
            return 0;
        }

        final int frameOffset = DeadLetterDescriptor.frameOffset(streamLength);
        int accepted = 0;
        for (int i = index; i < end; )
        {
            final int frameLength = frames.getInt(i + FrameDescriptor.LENGTH_OFFSET);
            final int recordLength = frameOffset + frameLength;
            final int claim = frameLength <= maxFrameLength && recordLength <= ring.maxMsgLength()
                ? ring.tryClaim(MSG_TYPE, recordLength) : -1;
            if (claim >= 0)
            {
                putHeader(claim, dropTimeNanos, reason, stream, frameOffset);
                ByteBufView.copy(frames, i, ringMemory, claim + frameOffset, frameLength);
                ring.commit(claim);
                accepted++;
            }
            else
            {
                refuseFull(1);
            }
            i += frameLength;
        }
        return accepted;
    }

    /**
     * Spill thread: hands up to {@code limit} records to {@code handler}, oldest first.
     *
     * @param handler receives each record.
     * @param limit   most records to take.
     * @return records taken.
     */
    int read(final MessageHandler handler, final int limit)
    {
        return ring.read(handler, limit);
    }

    /** Refuses every later offer (counted in {@link #refusedFull()}). */
    void close()
    {
        closed = true;
    }

    /** @return whether {@link #close()} was called. */
    boolean isClosed()
    {
        return closed;
    }

    /** @return frames refused: ring full, frame too large for the ring, or closed. Any thread. */
    long refusedFull()
    {
        return (long)REFUSED_FULL.getAcquire(this);
    }

    /** @return bytes handed over and not yet read (record headers included). Any thread. */
    long pendingBytes()
    {
        return ring.size();
    }

    /** @return the largest record the ring takes. */
    int maxRecordLength()
    {
        return ring.maxMsgLength();
    }

    private void putHeader(
        final int claim, final long dropTimeNanos, final int reason, final CharSequence stream, final int frameOffset)
    {
        final UnsafeBuffer memory = ringMemory;
        final int streamLength = stream.length();
        memory.putLong(claim + DROP_TIME_OFFSET, dropTimeNanos, ByteOrder.BIG_ENDIAN);
        memory.putInt(claim + REASON_OFFSET, reason, ByteOrder.BIG_ENDIAN);
        memory.putByte(claim + VERSION_OFFSET, (byte)VERSION);
        memory.putByte(claim + STREAM_LENGTH_OFFSET, (byte)streamLength);
        memory.putShort(claim + RESERVED_OFFSET, (short)0);
        for (int c = 0; c < streamLength; c++)
        {
            memory.putByte(claim + STREAM_OFFSET + c, (byte)stream.charAt(c));
        }
        memory.setMemory(claim + STREAM_OFFSET + streamLength, frameOffset - STREAM_OFFSET - streamLength, (byte)0);
    }

    private void refuseFull(final long frames)
    {
        // Exact signature (a long result taken), so the VarHandle call links without adaptation or boxing.
        final long previous = (long)REFUSED_FULL.getAndAdd(this, frames);
        assert previous >= 0;
    }
}
