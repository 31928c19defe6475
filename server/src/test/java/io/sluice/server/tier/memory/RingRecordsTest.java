package io.sluice.server.tier.memory;

import io.netty.buffer.ByteBuf;
import io.sluice.core.protocol.FrameDescriptor;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The record layout drawn in {@link RingRecords} is the one Agrona's ring writes, and the whole-frame check reads it.
 */
class RingRecordsTest
{
    @Test
    void offsetsAndLengthsFollowTheLayout()
    {
        assertEquals(64, RingRecords.lengthOffset(64));
        assertEquals(68, RingRecords.typeOffset(64));
        assertEquals(72, RingRecords.dataOffset(64));
        assertEquals(48, RingRecords.alignedLength(41));
        assertEquals(48, RingRecords.alignedLength(48));
        assertEquals(56, RingRecords.recordBytes(48));
        assertEquals(GapTable.GAP_FRAME_LENGTH + 8, RingRecords.GAP_RECORD_BYTES);
    }

    @Test
    void agronaWritesRecordsAsDrawn()
    {
        final SmallRing small = new SmallRing();
        final UnsafeBuffer data = new UnsafeBuffer(new byte[20]);
        for (int i = 0; i < 20; i++)
        {
            data.putByte(i, (byte)(i + 1));
        }
        assertTrue(small.ring.write(RingRecords.MSG_GAP, data, 0, 20));
        assertTrue(small.ring.write(RingRecords.TOMBSTONE, data, 0, 3));

        assertEquals(20 + RingRecords.HEADER_LENGTH, small.memory.getInt(RingRecords.lengthOffset(0)));
        assertEquals(RingRecords.MSG_GAP, small.memory.getInt(RingRecords.typeOffset(0)));
        for (int i = 0; i < 20; i++)
        {
            assertEquals(i + 1, small.memory.getByte(RingRecords.dataOffset(0) + i));
        }
        final int next = RingRecords.alignedLength(20 + RingRecords.HEADER_LENGTH);
        assertEquals(32, next);
        assertEquals(3 + RingRecords.HEADER_LENGTH, small.memory.getInt(RingRecords.lengthOffset(next)));
        assertEquals(RingRecords.TOMBSTONE, small.memory.getInt(RingRecords.typeOffset(next)));
        assertEquals(next + RingRecords.recordBytes(3), small.ring.producerPosition());
    }

    @Test
    void aWholeFrameIsFoundByItsKeyUntilReplaced()
    {
        final SmallRing small = new SmallRing();
        small.store(0, 16);
        final int at = (int)small.store(3, 16);

        assertTrue(RingRecords.holdsWholeFrame(small.memory, at, SmallRing.key(3)));
        assertFalse(RingRecords.holdsWholeFrame(small.memory, at, SmallRing.key(0)));
        assertEquals(3, small.memory.getLong(RingRecords.dataOffset(at) + FrameDescriptor.SEQUENCE_OFFSET,
            java.nio.ByteOrder.BIG_ENDIAN));

        small.writer.replace(at, new SmallRing.RecordingGate());
        assertFalse(RingRecords.holdsWholeFrame(small.memory, at, SmallRing.key(3)), "a tombstone");
    }

    @Test
    void theFirstFragmentOfALargeFrameIsNotAWholeFrame()
    {
        final SmallRing small = new SmallRing();
        final ByteBuf frame = SmallRing.frame(5, 1500);
        try
        {
            final long position = small.writer.offerOne(frame, 0, frame.writerIndex());
            assertEquals(RingRecords.MSG_FIRST, small.memory.getInt(RingRecords.typeOffset((int)position)));
            assertFalse(RingRecords.holdsWholeFrame(small.memory, (int)position, SmallRing.key(5)));
        }
        finally
        {
            frame.release();
        }
    }
}
