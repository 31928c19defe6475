package io.sluice.spill.deadletter;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ring hand-off alone: what a record in the ring holds, and what is refused. */
class DeadLetterHandOffTest
{
    private static final long DROP_TIME = 1_700_000_000_123_456_789L;

    private static void writeFrame(final ByteBuf out, final long sequence, final int payloadLength)
    {
        Frames.writeHeader(out, FrameDescriptor.HEADER_LENGTH + payloadLength, FrameType.DATA, 0, 9, 3,
            sequence, sequence * 10);
        for (int i = 0; i < payloadLength; i++)
        {
            out.writeByte((int)(sequence + i));
        }
    }

    /** @return "stream reason dropTime sequence payloadLength" of every record in the ring, read once. */
    private static List<String> drain(final DeadLetterHandOff handOff)
    {
        final List<String> records = new ArrayList<>();
        final DeadLetterRecord record = new DeadLetterRecord();
        handOff.read((msgTypeId, buffer, index, length) ->
        {
            assertTrue(record.wrap(buffer, index, length), "well formed");
            records.add(record.stream() + " " + record.reason() + " " + record.dropTimeNanos() + " "
                + record.sequence() + " " + record.payloadLength());
        }, 100);
        return records;
    }

    @Test
    void eachFrameOfARunBecomesOneRecordFromAnyKindOfBuffer()
    {
        final DeadLetterHandOff handOff = new DeadLetterHandOff(DeadLetterStore.MIN_RING_BYTES, 1 << 16);
        final ByteBuf heap = Unpooled.buffer();
        final ByteBuf direct = Unpooled.directBuffer();
        final CompositeByteBuf composite = Unpooled.compositeBuffer();
        try
        {
            writeFrame(heap, 1, 10);
            writeFrame(heap, 2, 0);
            assertEquals(2, handOff.offer("prices", DeadLetterDescriptor.REASON_DROP_NEWEST, DROP_TIME, heap, 0,
                heap.writerIndex()));
            writeFrame(direct, 3, 5);
            assertEquals(1, handOff.offer("s", DeadLetterDescriptor.REASON_SAMPLE, DROP_TIME + 1, direct, 0,
                direct.writerIndex()));
            final ByteBuf frame = Unpooled.buffer();
            writeFrame(frame, 4, 20);
            composite.addComponent(true, frame.retainedSlice(0, 7));
            composite.addComponent(true, frame.retainedSlice(7, frame.writerIndex() - 7));
            frame.release();
            assertEquals(1, handOff.offer("c", DeadLetterDescriptor.REASON_CUSTOM, DROP_TIME + 2, composite, 0,
                composite.writerIndex()));
            assertEquals(0, heap.readerIndex());
            assertEquals(1, heap.refCnt());
        }
        finally
        {
            heap.release();
            direct.release();
            composite.release();
        }
        assertTrue(handOff.pendingBytes() > 0);
        assertEquals(List.of(
            "prices 1 " + DROP_TIME + " 1 10",
            "prices 1 " + DROP_TIME + " 2 0",
            "s 4 " + (DROP_TIME + 1) + " 3 5",
            "c 6 " + (DROP_TIME + 2) + " 4 20"), drain(handOff));
        assertEquals(0, handOff.pendingBytes());
        assertEquals(0, handOff.refusedFull());
    }

    @Test
    void framesThatDoNotFitOrComeAfterCloseAreCountedRefused()
    {
        final DeadLetterHandOff handOff = new DeadLetterHandOff(DeadLetterStore.MIN_RING_BYTES, 100);
        final ByteBuf buf = Unpooled.buffer();
        try
        {
            writeFrame(buf, 1, 10);
            writeFrame(buf, 2, 200);
            assertEquals(1, handOff.offer("s", 1, DROP_TIME, buf, 0, buf.writerIndex()), "the second is too large");
            assertEquals(1, handOff.refusedFull());

            handOff.close();
            assertTrue(handOff.isClosed());
            assertEquals(0, handOff.offer("s", 1, DROP_TIME, buf, 0, buf.writerIndex()));
            assertEquals(3, handOff.refusedFull());
        }
        finally
        {
            buf.release();
        }
        assertEquals(1, drain(handOff).size());
    }

    @Test
    void misuseHandsNothingOver()
    {
        final DeadLetterHandOff handOff = new DeadLetterHandOff(DeadLetterStore.MIN_RING_BYTES, 1 << 16);
        final ByteBuf buf = Unpooled.buffer();
        try
        {
            writeFrame(buf, 1, 10);
            writeFrame(buf, 2, 10);
            assertThrows(IllegalArgumentException.class, () -> handOff.offer("s", 1, DROP_TIME, buf, 0,
                buf.writerIndex() - 1));
            assertThrows(IllegalArgumentException.class, () -> handOff.offer("", 1, DROP_TIME, buf, 0,
                buf.writerIndex()));
            assertThrows(IndexOutOfBoundsException.class, () -> handOff.offer("s", 1, DROP_TIME, buf, 1,
                buf.capacity()));
        }
        finally
        {
            buf.release();
        }
        assertEquals(0, handOff.pendingBytes());
        assertEquals(0, handOff.refusedFull());
        assertThrows(IllegalArgumentException.class,
            () -> new DeadLetterHandOff(3 * DeadLetterStore.MIN_RING_BYTES, 1));
    }
}
