package io.sluice.spill.deadletter;

import io.sluice.spill.RecordChecksum;
import io.sluice.spill.SpillConfig;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.sluice.spill.SpillRecordDescriptor.BYTE_ORDER;
import static io.sluice.spill.SpillRecordDescriptor.CHECKSUM_OFFSET;
import static io.sluice.spill.SpillRecordDescriptor.FRAME_OFFSET;
import static io.sluice.spill.SpillRecordDescriptor.HEADER_LENGTH;
import static io.sluice.spill.SpillRecordDescriptor.LOGICAL_OFFSET_OFFSET;

/**
 * Reads a dead-letter directory without consuming it: a tailer of its own on a read-only Chronicle queue, whose
 * position lives only in this object. It takes no lock, so it may run while a relay is appending to the same store (in
 * this or another process); it then sees what was appended up to each {@link #read} call.
 *
 * <p>Records come out in the order they were written. Each record is checked (the store's checksum, then the
 * dead-letter layout) before it is delivered; damaged ones are never delivered but counted in
 * {@link #damagedSkipped()}, and a file that cannot be read to its end (truncated, garbage over its tail) is left for
 * the next file. Confined to the thread that opened it.
 */
public final class DeadLetterReader implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterReader.class);
    private static final int NO_CYCLE = Integer.MIN_VALUE;

    private final Path directory;
    private final SingleChronicleQueue queue;
    private final RollCycle rollCycle;
    private final ExcerptTailer tailer;
    private final int maxRecordLength;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final DeadLetterRecord record = new DeadLetterRecord();
    private long damagedSkipped;
    private long lastIndex = Long.MIN_VALUE;
    private int warnedCycle = NO_CYCLE;
    private boolean atEnd;

    /**
     * Opens a dead-letter directory for reading, from its first record.
     *
     * @param directory      the store's directory.
     * @param maxFrameLength the largest frame the writing relay kept (its {@code max-frame-length}); sets the mapping
     *                       size so that the largest record can be read.
     * @return the reader.
     * @throws IllegalArgumentException if {@code directory} holds no dead-letter store.
     */
    public static DeadLetterReader open(final Path directory, final int maxFrameLength)
    {
        return new DeadLetterReader(directory, maxFrameLength);
    }

    private DeadLetterReader(final Path directory, final int maxFrameLength)
    {
        this.directory = directory.toAbsolutePath();
        if (!Files.isRegularFile(this.directory.resolve(SingleChronicleQueue.QUEUE_METADATA_FILE)))
        {
            throw new IllegalArgumentException(directory + " holds no dead-letter store (no "
                + SingleChronicleQueue.QUEUE_METADATA_FILE + ")");
        }
        final int frameLimit = maxFrameLength + DeadLetterDescriptor.MAX_OVERHEAD;
        this.maxRecordLength = frameLimit + HEADER_LENGTH;
        // Read-only: no lock, no writes, no files created. Chronicle takes the roll cycle from the store's metadata
        // (with a WARN if it differs from the one given here, the dead-letter default).
        this.queue = SingleChronicleQueueBuilder.binary(this.directory.toFile())
            .readOnly(true)
            .rollCycle(DeadLetterStore.ROLL_CYCLE)
            .blockSize(SpillConfig.defaultBlockSize(frameLimit))
            .timeoutMS(100)
            .checkInterrupts(false)
            .build();
        this.rollCycle = queue.rollCycle();
        this.tailer = queue.createTailer();
        tailer.toStart();
    }

    /**
     * Delivers up to {@code limit} records to {@code handler}, continuing where the previous call stopped.
     *
     * @param handler receives each record; the view is valid only during its call.
     * @param limit   most records to deliver.
     * @return records delivered; 0 once every record written so far has been read (a later call may find more).
     */
    public int read(final DeadLetterHandler handler, final int limit)
    {
        int delivered = 0;
        atEnd = false;
        while (delivered < limit && !atEnd)
        {
            if (readOne(handler))
            {
                delivered++;
            }
        }
        return delivered;
    }

    /** @return records skipped because they or their file were damaged. */
    public long damagedSkipped()
    {
        return damagedSkipped;
    }

    /** @return the directory read. */
    public Path directory()
    {
        return directory;
    }

    @Override
    public void close()
    {
        tailer.close();
        queue.close();
    }

    /** @return whether a record was delivered; sets {@link #atEnd} when there is nothing more. */
    private boolean readOne(final DeadLetterHandler handler)
    {
        final DocumentContext dc;
        try
        {
            dc = tailer.readingDocument();
        }
        catch (final RuntimeException | AssertionError e)
        {
            LOG.debug("dead-letter store {}: unreadable at {}", directory, Long.toHexString(tailer.index()), e);
            skipToNextFile("unreadable (" + e + ")");
            return false;
        }
        boolean valid = false;
        try
        {
            if (!dc.isPresent())
            {
                dc.close();
                // The end of what was written, or a file that ends early (a crash, damage) with more files after it.
                skipToNextFile(null);
                return false;
            }
            lastIndex = dc.index();
            final Bytes<?> bytes = dc.wire().bytes();
            final long length = bytes.readRemaining();
            if (length >= HEADER_LENGTH && length <= maxRecordLength)
            {
                view.wrap(bytes.addressForRead(bytes.readPosition(), (int)length), (int)length);
                final long offset = view.getLong(LOGICAL_OFFSET_OFFSET, BYTE_ORDER);
                final int recordLength = (int)length - HEADER_LENGTH;
                valid = view.getInt(CHECKSUM_OFFSET, BYTE_ORDER)
                    == RecordChecksum.compute(view, FRAME_OFFSET, recordLength, offset)
                    && record.wrap(view, FRAME_OFFSET, recordLength);
            }
        }
        catch (final RuntimeException | AssertionError e)
        {
            LOG.debug("dead-letter store {}: damaged record", directory, e);
        }
        try
        {
            if (!valid)
            {
                damagedSkipped++;
                final int cycle = tailer.cycle();
                if (cycle != warnedCycle)
                {
                    warnedCycle = cycle;
                    LOG.warn("dead-letter store {}: skipped a damaged record at index {}", directory,
                        Long.toHexString(lastIndex));
                }
                return false;
            }
            handler.onDeadLetter(record);
            return true;
        }
        finally
        {
            dc.close();
        }
    }

    /**
     * Moves the tailer to the first record of the next file when the current one ends (or breaks off) before the last
     * file; otherwise marks the end. Counts the records a damaged file claims beyond where reading stopped.
     */
    private void skipToNextFile(final String damage)
    {
        final int cycle = tailer.cycle();
        int next = NO_CYCLE;
        try
        {
            queue.refreshDirectoryListing();
            next = cycle == NO_CYCLE ? NO_CYCLE : queue.nextCycle(cycle, TailerDirection.FORWARD);
        }
        catch (final Exception | AssertionError e)
        {
            LOG.debug("dead-letter store {}: looking for the file after cycle {}", directory, cycle, e);
        }
        if (next < 0 || next == NO_CYCLE || next <= cycle)
        {
            if (damage != null)
            {
                damagedSkipped++;
                LOG.warn("dead-letter store {}: the last file is {}; records after it are not readable", directory,
                    damage);
            }
            atEnd = true;
            return;
        }
        long claimed = -1;
        long position = 0;
        try
        {
            claimed = tailer.excerptsInCycle(cycle);
            // Records of this file already read (or skipped as damaged): up to and including the last one looked at.
            position = lastIndex != Long.MIN_VALUE && rollCycle.toCycle(lastIndex) == cycle
                ? rollCycle.toSequenceNumber(lastIndex) + 1 : 0;
        }
        catch (final RuntimeException | AssertionError e)
        {
            LOG.debug("dead-letter store {}: counting the records of cycle {}", directory, cycle, e);
        }
        final long lost = claimed < 0 ? (damage != null ? 1 : 0) : Math.max(claimed - position, damage != null ? 1 : 0);
        if (lost > 0)
        {
            damagedSkipped += lost;
            LOG.warn("dead-letter store {}: a file ends early ({}); skipped {} record(s)", directory,
                damage != null ? damage : "damaged or cut short", lost);
        }
        if (!tailer.moveToIndex(rollCycle.toIndex(next, 0)) && tailer.cycle() != next)
        {
            tailer.moveToCycle(next);
        }
        if (tailer.cycle() <= cycle)
        {
            atEnd = true;
        }
    }
}
