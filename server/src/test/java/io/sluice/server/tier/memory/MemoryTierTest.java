package io.sluice.server.tier.memory;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The memory tier keeps whole frames in order within its byte capacity, including frames larger than an Agrona
 * record, which it stores as fragments.
 */
class MemoryTierTest
{
    private static ByteBuf frames(final long firstSequence, final int count, final int payload)
    {
        final ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer();
        for (int i = 0; i < count; i++)
        {
            Frames.writeHeader(
                buf, FrameDescriptor.HEADER_LENGTH + payload, FrameType.DATA, 0, 1, 1, firstSequence + i, 0);
            buf.writeBytes(pattern(firstSequence + i, payload));
        }
        return buf;
    }

    private static byte[] pattern(final long sequence, final int length)
    {
        final byte[] bytes = new byte[length];
        for (int b = 0; b < length; b++)
        {
            bytes[b] = (byte)(sequence + b);
        }
        return bytes;
    }

    @Test
    void capacityIsTheConfiguredSizeRoundedDownToAPowerOfTwo()
    {
        assertEquals(8 * 1024 * 1024, MemoryTier.capacityFor(8L * 1024 * 1024));
        assertEquals(8 * 1024 * 1024, MemoryTier.capacityFor(10L * 1024 * 1024));
        assertEquals(4 * 1024, MemoryTier.capacityFor(1));
    }

    @Test
    void framesComeOutWholeAndInOrderThroughRandomOffersAndDrains()
    {
        final MemoryTier tier = new MemoryTier(64 * 1024);
        final Random random = new Random(7);
        long offered = 0;
        long expected = 0;
        final ByteBuf out = PooledByteBufAllocator.DEFAULT.directBuffer(256 * 1024);
        final ByteBuf pending = PooledByteBufAllocator.DEFAULT.directBuffer();
        try
        {
            for (int round = 0; round < 1_000; round++)
            {
                // Sizes from tiny to above the 8 KiB record limit (fragmented).
                final int payload = random.nextInt(4) == 0 ? 8 * 1024 + random.nextInt(20_000) : random.nextInt(200);
                final ByteBuf frame = frames(offered, 1, payload);
                final int reached = tier.offerFrames(frame, frame.readerIndex(), frame.writerIndex());
                if (reached == frame.writerIndex())
                {
                    offered++;
                }
                frame.release();
                if (random.nextBoolean() || reached != frame.writerIndex())
                {
                    out.clear();
                    tier.drainTo(out);
                    pending.writeBytes(out);
                    expected = check(pending, expected);
                }
                assertTrue(tier.usedBytes() <= tier.capacity());
            }
            while (!tier.isEmpty())
            {
                out.clear();
                tier.drainTo(out);
                pending.writeBytes(out);
            }
            expected = check(pending, expected);
            assertEquals(offered, expected);
            assertEquals(0, pending.readableBytes());
        }
        finally
        {
            out.release();
            pending.release();
        }
    }

    // Consumes the whole frames at the front of the stream, checking sequence and content.
    private static long check(final ByteBuf stream, final long expectedStart)
    {
        long expected = expectedStart;
        while (stream.readableBytes() >= 4 && stream.readableBytes() >= stream.getInt(stream.readerIndex()))
        {
            final int at = stream.readerIndex();
            final int length = stream.getInt(at);
            assertEquals(expected, Frames.sequence(stream, at));
            final byte[] payload = new byte[length - FrameDescriptor.HEADER_LENGTH];
            stream.getBytes(at + FrameDescriptor.HEADER_LENGTH, payload);
            assertTrue(java.util.Arrays.equals(pattern(expected, payload.length), payload), "payload of " + expected);
            stream.skipBytes(length);
            expected++;
        }
        stream.discardReadBytes();
        return expected;
    }

    @Test
    void evictOldestDropsOneWholeFrame()
    {
        final MemoryTier tier = new MemoryTier(64 * 1024);
        final ByteBuf frames = frames(0, 3, 10_000);
        final int reached = tier.offerFrames(frames, 0, frames.writerIndex());
        final int written = frames.writerIndex();
        frames.release();
        assertEquals(written, reached);
        assertEquals(10_000 + FrameDescriptor.HEADER_LENGTH, tier.evictOldest());
        assertEquals(2, tier.frames());
        final ByteBuf out = PooledByteBufAllocator.DEFAULT.directBuffer(128 * 1024);
        tier.drainTo(out);
        assertEquals(1, Frames.sequence(out, 0));
        out.release();
    }

    @Test
    void dropsInARowMergeIntoTheGapRecordStillWaitingAtTheTail()
    {
        // Conflation replaces messages in place, so nothing is stored between its GAP notices: 1,000 of them would
        // fill 4 KiB on their own; merged they are one record.
        final MemoryTier tier = new MemoryTier(4 * 1024);
        final GapTable gaps = new GapTable();
        for (int sequence = 0; sequence < 1_000; sequence++)
        {
            gaps.add(1, 7, sequence, 3);
            assertTrue(tier.offerGap(gaps, 0), "GAP " + sequence + " refused");
        }
        final ByteBuf frame = frames(1_000, 1, 16);
        tier.offerFrames(frame, 0, frame.writerIndex());
        frame.release();
        gaps.add(1, 7, 2_000, 3);
        assertTrue(tier.offerGap(gaps, 0));

        final ByteBuf out = PooledByteBufAllocator.DEFAULT.directBuffer(8 * 1024);
        tier.drainTo(out);
        assertEquals(FrameType.GAP, Frames.type(out, 0));
        assertEquals(0, Frames.gapFromSequence(out, 0));
        assertEquals(999, Frames.gapToSequence(out, 0));
        assertEquals(1_000, Frames.gapDroppedCount(out, 0));
        final int data = GapTable.GAP_FRAME_LENGTH;
        assertEquals(1_000, Frames.sequence(out, data), "the message stored after the merged notice");
        final int second = data + Frames.frameLength(out, data);
        assertEquals(FrameType.GAP, Frames.type(out, second), "a drop after a stored message gets a notice of its own");
        assertEquals(1, Frames.gapDroppedCount(out, second));
        assertEquals(second + GapTable.GAP_FRAME_LENGTH, out.readableBytes());
        out.release();
    }

    @Test
    void aMergedGapKeepsItsHeaderSequenceEqualToItsFromSequence()
    {
        // protocol.md 3.5: a GAP's header sequence is its from-sequence, also when a merge lowers the from-sequence.
        final MemoryTier tier = new MemoryTier(4 * 1024);
        final GapTable gaps = new GapTable();
        gaps.add(1, 7, 14_985, 3);
        assertTrue(tier.offerGap(gaps, 0));
        gaps.add(1, 7, 14_984, 3);
        assertTrue(tier.offerGap(gaps, 0));

        final ByteBuf out = PooledByteBufAllocator.DEFAULT.directBuffer(8 * 1024);
        try
        {
            tier.drainTo(out);
            assertEquals(GapTable.GAP_FRAME_LENGTH, out.readableBytes(), "one merged notice");
            assertEquals(14_984, Frames.gapFromSequence(out, 0));
            assertEquals(14_985, Frames.gapToSequence(out, 0));
            assertEquals(14_984, Frames.sequence(out, 0));
        }
        finally
        {
            out.release();
        }
    }
}
