package io.sluice.server.tier.memory;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A 4 KiB memory-tier ring and the classes that work on it, built as {@link MemoryTier} builds them, for tests that
 * drive those classes directly; with frames whose bytes are known from their sequence, a {@link TierGate} that
 * records what it is told, and a clock the test sets ({@link #epochNanos}).
 */
final class SmallRing
{
    static final int CAPACITY = 4096;
    static final int STREAM_ID = 1;
    static final int SOURCE_ID = 7;

    final UnsafeBuffer memory;
    final RingBuffer ring;
    final RingCounts counts = new RingCounts();
    final RingWriter writer;
    final RingCopyOut copyOut;
    final RingEvictor evictor;
    final RingCompactor compactor;
    /** What the compactor's clock reads. */
    long epochNanos;

    SmallRing()
    {
        this(CAPACITY);
    }

    SmallRing(final int capacity)
    {
        memory = new UnsafeBuffer(ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH));
        ring = new OneToOneRingBuffer(memory);
        writer = new RingWriter(ring, memory, counts);
        copyOut = new RingCopyOut(ring, memory, counts);
        evictor = new RingEvictor(ring, counts);
        compactor = new RingCompactor(ring, memory, counts, () -> epochNanos);
    }

    /** @return a DATA frame of {@code payload} bytes: the first 8 are its key ({@link #key}), the rest a pattern. */
    static ByteBuf frame(final long sequence, final int payload)
    {
        final ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(FrameDescriptor.HEADER_LENGTH + payload);
        Frames.writeHeader(buf, FrameDescriptor.HEADER_LENGTH + payload, FrameType.DATA, 0, STREAM_ID, SOURCE_ID,
            sequence, 1_000 + sequence);
        buf.writerIndex(FrameDescriptor.HEADER_LENGTH);
        for (int b = 0; b < payload; b++)
        {
            buf.writeByte((int)(sequence + b));
        }
        if (payload >= 8)
        {
            buf.setLong(FrameDescriptor.HEADER_LENGTH, key(sequence));
        }
        return buf;
    }

    static long key(final long sequence)
    {
        return 100 + sequence;
    }

    /** Stores one frame with {@link RingWriter#offerOne}. @return its record's ring position. */
    long store(final long sequence, final int payload)
    {
        final ByteBuf frame = frame(sequence, payload);
        try
        {
            final long position = writer.offerOne(frame, 0, frame.writerIndex());
            assertTrue(position >= 0, "stored " + sequence);
            return position;
        }
        finally
        {
            frame.release();
        }
    }

    /** Stores a GAP record of {@code count} drops from {@code from}. */
    void storeGap(final long from, final long count, final int reason)
    {
        final GapTable gaps = new GapTable();
        gaps.add(STREAM_ID, SOURCE_ID, from, from + count - 1, count, reason);
        assertTrue(writer.offerGap(gaps, 0));
    }

    /**
     * Copies out until the ring is empty, checking each DATA frame's bytes against {@link #frame}.
     *
     * @return each frame out as {type, sequence} or, for GAP, {type, from, to, count, reason}.
     */
    List<long[]> drainAll(final TierGate gate)
    {
        final List<long[]> out = new ArrayList<>();
        final ByteBuf chunk = PooledByteBufAllocator.DEFAULT.directBuffer(2 * ring.capacity());
        try
        {
            for (int round = 0; round < 100 && ring.producerPosition() != ring.consumerPosition(); round++)
            {
                chunk.clear();
                copyOut.copyTo(chunk, gate);
                read(chunk, out);
            }
            assertEquals(ring.producerPosition(), ring.consumerPosition(), "drained");
            return out;
        }
        finally
        {
            chunk.release();
        }
    }

    /** Reads whole frames from {@code chunk}, checking DATA frames' bytes; see {@link #drainAll}. */
    static void read(final ByteBuf chunk, final List<long[]> out)
    {
        for (int at = chunk.readerIndex(); at < chunk.writerIndex(); at += Frames.frameLength(chunk, at))
        {
            final int type = Frames.type(chunk, at);
            final long sequence = Frames.sequence(chunk, at);
            if (type == FrameType.GAP)
            {
                out.add(new long[] {type, Frames.gapFromSequence(chunk, at), Frames.gapToSequence(chunk, at),
                    Frames.gapDroppedCount(chunk, at), Frames.gapReason(chunk, at)});
                continue;
            }
            final int length = Frames.frameLength(chunk, at);
            final ByteBuf expected = frame(sequence, length - FrameDescriptor.HEADER_LENGTH);
            try
            {
                assertTrue(ByteBufUtil.equals(expected, 0, chunk, at, length), "bytes of " + sequence);
            }
            finally
            {
                expected.release();
            }
            out.add(new long[] {type, sequence});
        }
    }

    /** @return the sequence of the frame starting at {@code index} of the ring's memory. */
    static long sequenceAt(final DirectBuffer buffer, final int index)
    {
        return buffer.getLong(index + FrameDescriptor.SEQUENCE_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /** A gate recording each call as text, expiring the sequences in {@link #expire}, holding no GAP frames. */
    static final class RecordingGate implements TierGate
    {
        final List<String> calls = new ArrayList<>();
        final Set<Long> expire = new HashSet<>();
        /** GAP frames to write before the next frame; released by the test. */
        ByteBuf pending;

        @Override
        public boolean expired(final DirectBuffer buffer, final int index)
        {
            return expire.contains(sequenceAt(buffer, index));
        }

        @Override
        public int pendingGapBytes()
        {
            return pending == null ? 0 : pending.readableBytes();
        }

        @Override
        public void writeGaps(final ByteBuf out)
        {
            out.writeBytes(pending);
        }

        @Override
        public void onEvicted(final DirectBuffer buffer, final int index)
        {
            calls.add("evicted " + sequenceAt(buffer, index));
        }

        @Override
        public void onGapEvicted(final DirectBuffer buffer, final int index)
        {
            calls.add("gap evicted " + buffer.getLong(index + FrameDescriptor.GAP_FROM_SEQUENCE_OFFSET,
                ByteOrder.BIG_ENDIAN));
        }

        @Override
        public void onReplaced(final DirectBuffer buffer, final int index)
        {
            calls.add("replaced " + sequenceAt(buffer, index));
        }

        @Override
        public void onTombstonePassed(final DirectBuffer buffer, final int index)
        {
            calls.add("tombstone " + sequenceAt(buffer, index));
        }

        @Override
        public void onMoved(final DirectBuffer buffer, final int index, final long position)
        {
            calls.add("moved " + sequenceAt(buffer, index) + " to " + position);
        }
    }
}
