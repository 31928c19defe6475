package io.sluice.spill;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static io.sluice.spill.SpillRecordDescriptor.BYTE_ORDER;
import static io.sluice.spill.SpillRecordDescriptor.CHECKSUM_OFFSET;
import static io.sluice.spill.SpillRecordDescriptor.DOCUMENT_HEADER_LENGTH;
import static io.sluice.spill.SpillRecordDescriptor.FRAME_OFFSET;
import static io.sluice.spill.SpillRecordDescriptor.HEADER_LENGTH;
import static io.sluice.spill.SpillRecordDescriptor.LOGICAL_OFFSET_OFFSET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpillRecordDescriptorTest
{
    @TempDir
    Path dir;

    @Test
    void fieldsFollowEachOtherWithoutGaps()
    {
        assertEquals(0, LOGICAL_OFFSET_OFFSET);
        assertEquals(LOGICAL_OFFSET_OFFSET + Long.BYTES, CHECKSUM_OFFSET);
        assertEquals(CHECKSUM_OFFSET + Integer.BYTES, FRAME_OFFSET);
        assertEquals(FRAME_OFFSET, HEADER_LENGTH);
        assertEquals(Long.BYTES + Integer.BYTES, HEADER_LENGTH, "the logical offset (int64) and the checksum (int32)");
    }

    @Test
    void documentsArePaddedToTheNextBoundary()
    {
        assertEquals(16, SpillRecordDescriptor.documentLength(0));
        assertEquals(20, SpillRecordDescriptor.documentLength(1));
        assertEquals(20, SpillRecordDescriptor.documentLength(4));
        assertEquals(24, SpillRecordDescriptor.documentLength(5));
        assertEquals(8, SpillRecordDescriptor.align(5));
        assertEquals(8, SpillRecordDescriptor.align(8));
    }

    /** Records laid out by hand from the descriptor are the records the scanner finds, one document after another. */
    @Test
    void scannerReadsRecordsLaidOutByTheDescriptor() throws IOException
    {
        final UnsafeBuffer file = new UnsafeBuffer(new byte[256]);
        final int second = writeDocument(file, 8, 1000, 5);
        writeDocument(file, second, 1005, 3);
        final Path path = dir.resolve("records");
        Files.write(path, file.byteArray());

        try (RecordScanner scanner = new RecordScanner(HEADER_LENGTH + 64))
        {
            scanner.open(path, 0);
            assertTrue(scanner.next(0, 2000));
            assertEquals(1000, scanner.recordOffset());
            assertEquals(5, scanner.frameLength());
            assertEquals(7, scanner.frame().getByte(4));
            scanner.consume();
            assertTrue(scanner.next(1005, 2000));
            assertEquals(1005, scanner.recordOffset());
            assertEquals(3, scanner.frameLength());
            scanner.consume();
            assertFalse(scanner.next(1008, 2000));
        }
    }

    /** What the store appends sits at the descriptor's offsets in the cycle file. */
    @Test
    void storeWritesTheLayoutTheDescriptorDraws() throws IOException
    {
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[64]);
        final SpillConfig config = SpillConfig.of(dir.resolve("store"), 64L << 20)
            .withFreeSpaceMarginBytes(16L << 20).withTimeProvider(SpillTests.clock());
        try (SpillStore store = SpillStore.open(config))
        {
            assertEquals(SpillStore.OK, store.append(frame, 0, TestFrames.write(frame, 0, 0, 8)));
            assertEquals(SpillStore.OK, store.append(frame, 0, TestFrames.write(frame, 0, 1, 8)));
        }
        final Path cycleFile;
        try (Stream<Path> files = Files.list(dir.resolve("store")))
        {
            cycleFile = files.filter(f -> f.toString().endsWith(".cq4")).findFirst().orElseThrow();
        }
        final int frameLength = TestFrames.write(frame, 0, 1, 8);
        try (RecordScanner scanner = new RecordScanner(HEADER_LENGTH + 1024))
        {
            scanner.open(cycleFile, 0);
            assertTrue(scanner.next(0, 2L * frameLength));
            assertEquals(0, scanner.recordOffset());
            assertEquals(0, TestFrames.verify(scanner.frame(), 0, scanner.frameLength()));
            scanner.consume();
            assertTrue(scanner.next(frameLength, 2L * frameLength));
            assertEquals(frameLength, scanner.recordOffset());
            assertEquals(1, TestFrames.verify(scanner.frame(), 0, scanner.frameLength()));
        }
    }

    /** @return where the next document starts. */
    private static int writeDocument(
        final UnsafeBuffer file, final int at, final long logicalOffset, final int frameLength)
    {
        final int record = at + DOCUMENT_HEADER_LENGTH;
        file.putInt(at, HEADER_LENGTH + frameLength, ByteOrder.nativeOrder());
        for (int i = 0; i < frameLength; i++)
        {
            file.putByte(record + FRAME_OFFSET + i, (byte)(3 + i));
        }
        file.putLong(record + LOGICAL_OFFSET_OFFSET, logicalOffset, BYTE_ORDER);
        file.putInt(record + CHECKSUM_OFFSET,
            RecordChecksum.compute(file, record + FRAME_OFFSET, frameLength, logicalOffset), BYTE_ORDER);
        return at + (int)SpillRecordDescriptor.documentLength(frameLength);
    }
}
