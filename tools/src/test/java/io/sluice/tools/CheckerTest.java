package io.sluice.tools;

import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Header;
import io.sluice.core.util.EpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;

import static io.sluice.core.protocol.FrameDescriptor.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The consumer's ordering and latency bookkeeping, fed with hand-made frames.
 */
class CheckerTest
{
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[HEADER_LENGTH + 32]);
    private final Header header = new Header().wrap(frame, 0);
    private final Checker checker = new Checker();

    private void data(final int source, final long sequence, final long timestampNanos)
    {
        frame.putInt(LENGTH_OFFSET, HEADER_LENGTH + 8, ByteOrder.BIG_ENDIAN);
        frame.putByte(TYPE_OFFSET, (byte)FrameType.DATA);
        frame.putInt(SOURCE_ID_OFFSET, source, ByteOrder.BIG_ENDIAN);
        frame.putLong(SEQUENCE_OFFSET, sequence, ByteOrder.BIG_ENDIAN);
        frame.putLong(TIMESTAMP_OFFSET, timestampNanos, ByteOrder.BIG_ENDIAN);
        checker.onMessage(frame, HEADER_LENGTH, 8, header);
    }

    private void data(final int source, final long sequence)
    {
        data(source, sequence, EpochClock.nanos());
    }

    private void gap(final int source, final long from, final long to, final long dropped)
    {
        frame.putInt(LENGTH_OFFSET, HEADER_LENGTH + 32, ByteOrder.BIG_ENDIAN);
        frame.putByte(TYPE_OFFSET, (byte)FrameType.GAP);
        frame.putInt(SOURCE_ID_OFFSET, source, ByteOrder.BIG_ENDIAN);
        frame.putLong(SEQUENCE_OFFSET, from, ByteOrder.BIG_ENDIAN);
        frame.putLong(HEADER_LENGTH, from, ByteOrder.BIG_ENDIAN);
        frame.putLong(HEADER_LENGTH + 8, to, ByteOrder.BIG_ENDIAN);
        frame.putLong(HEADER_LENGTH + 16, dropped, ByteOrder.BIG_ENDIAN);
        checker.onGap(header);
    }

    @Test
    void inOrderSourcesAreCheckedSeparately()
    {
        for (int i = 0; i < 5; i++)
        {
            data(1, i);
            data(2, i);
        }
        assertEquals(10, checker.received);
        assertEquals(2, checker.sources.size());
        assertEquals(0, checker.outOfOrder);
        assertEquals(0, checker.duplicates);
    }

    @Test
    void aHoleCountsOnceAndResyncs()
    {
        data(1, 0);
        data(1, 1);
        data(1, 5);
        data(1, 6);
        assertEquals(1, checker.outOfOrder);
        assertEquals(0, checker.duplicates);
    }

    @Test
    void anOldSequenceIsADuplicate()
    {
        data(1, 0);
        data(1, 1);
        data(1, 1);
        data(1, 0);
        data(1, 2);
        assertEquals(2, checker.duplicates);
        assertEquals(0, checker.outOfOrder);
    }

    @Test
    void aReportedGapIsNotAHole()
    {
        data(1, 0);
        gap(1, 1, 9, 9);
        data(1, 10);
        gap(1, 11, 20, 4);
        data(1, 21);
        assertEquals(2, checker.gaps);
        assertEquals(13, checker.gapMessages);
        assertEquals(0, checker.outOfOrder);
        assertEquals(3, checker.received);
    }

    @Test
    void theFirstMessageOfASourceSetsItsBaseline()
    {
        data(7, 1_000);
        data(7, 1_001);
        assertEquals(0, checker.outOfOrder);
    }

    @Test
    void latencyIsRecordedInMicrosAndNegativeClampsToZero()
    {
        data(1, 0, EpochClock.nanos() - 5_000_000);
        data(1, 1, EpochClock.nanos() + 60_000_000_000L);
        assertEquals(2, checker.latencyMicros.getTotalCount());
        assertEquals(0, checker.latencyMicros.getMinValue());
        assertTrue(checker.latencyMicros.getMaxValue() >= 5_000, "max " + checker.latencyMicros.getMaxValue());
    }

    @Test
    void withAcknowledgedDeliveryTheCountedPositionsAndRedeliveredFramesAreKept()
    {
        data(1, 0);
        assertEquals(0, checker.lastPosition, "no position without acknowledged delivery");
        frame.putShort(FLAGS_OFFSET, (short)FLAG_REDELIVERED, ByteOrder.BIG_ENDIAN);
        header.position(41);
        data(1, 1);
        header.position(42);
        gap(1, 2, 3, 2);
        frame.putShort(FLAGS_OFFSET, (short)0, ByteOrder.BIG_ENDIAN);
        header.position(43);
        data(1, 4);
        checker.onBatchEnd();
        assertEquals(2, checker.redelivered);
        assertEquals(41, checker.firstPosition);
        assertEquals(43, checker.lastPosition);
        assertEquals(43, checker.lastPositionSeen, "published at the batch end, for the command to acknowledge");
    }

    @Test
    void whatComesPastTheCountIsNotAcknowledged()
    {
        final Checker limited = new Checker(2);
        frame.putInt(LENGTH_OFFSET, HEADER_LENGTH + 8, ByteOrder.BIG_ENDIAN);
        frame.putByte(TYPE_OFFSET, (byte)FrameType.DATA);
        for (int i = 0; i < 3; i++)
        {
            frame.putLong(SEQUENCE_OFFSET, i, ByteOrder.BIG_ENDIAN);
            limited.onMessage(frame, HEADER_LENGTH, 8, header.position(1 + i));
        }
        limited.onGap(header.position(4));
        limited.onBatchEnd();
        assertEquals(2, limited.received);
        assertEquals(2, limited.lastPositionSeen);
    }
}
