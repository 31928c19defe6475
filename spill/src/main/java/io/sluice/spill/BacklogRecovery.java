package io.sluice.spill;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.core.io.SingleThreadedChecked;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.TailerState;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;

import static io.sluice.spill.SpillRecordDescriptor.DOCUMENT_HEADER_LENGTH;
import static io.sluice.spill.SpillRecordDescriptor.HEADER_LENGTH;
import static io.sluice.spill.SpillRecordDescriptor.LOGICAL_OFFSET_OFFSET;

/**
 * What a store finds at open about the records earlier sessions left, without reading their frames: where the last
 * record ends (the stored hints may lag a crash by one record), how many records wait, and how many of the bytes the
 * offsets promise a walk over the records' headers cannot find (damage). Owner thread, at open only.
 */
final class BacklogRecovery
{
    // Logs as the store: operators configure, and tests watch, the store's logger.
    private static final Logger LOG = LoggerFactory.getLogger(SpillStore.class);
    private static final long UNSET = SpillPositions.UNSET;
    private static final int NO_CYCLE = CycleFiles.NO_CYCLE;

    private final Path directory;
    private final SingleChronicleQueue queue;
    private final RollCycle rollCycle;
    private final CycleFiles cycleFiles;
    private final SpillPositions positions;
    private final SpillGauges gauges;
    private final SpillReader reader;
    private final int maxRecordLength;
    private final int highestCycle;

    /**
     * @param highestCycle the highest cycle with a file: files below it are sealed, so one that ends early is damaged.
     */
    BacklogRecovery(
        final Path directory,
        final SingleChronicleQueue queue,
        final CycleFiles cycleFiles,
        final SpillPositions positions,
        final SpillGauges gauges,
        final SpillReader reader,
        final int maxRecordLength,
        final int highestCycle)
    {
        this.directory = directory;
        this.queue = queue;
        this.rollCycle = queue.rollCycle();
        this.cycleFiles = cycleFiles;
        this.positions = positions;
        this.gauges = gauges;
        this.reader = reader;
        this.maxRecordLength = maxRecordLength;
        this.highestCycle = highestCycle;
    }

    /**
     * Everything open learns about the backlog, each step using what the one before found: the append end, the
     * records waiting, where the reader's offsets start, and the damage.
     *
     * @return bytes recorded in the backlog and not found ({@link #surveyDamage()}).
     */
    long recover()
    {
        gauges.backlogMessages(countBacklog(recoverAppendEnd()));
        reader.initialReadOffset();
        return surveyDamage();
    }

    /**
     * Sets the append end from the last record: the stored last index and end offset are written after each
     * append, so after a crash they may lag one record; the records from there on are authoritative. Reads forward
     * only (Chronicle's backward {@code toEnd()} misbehaves on damaged files).
     *
     * @return index of the last record, or {@link #UNSET} if nothing was ever appended.
     */
    long recoverAppendEnd()
    {
        final long hintIndex = positions.lastIndex();
        final long hintEnd = positions.appendEnd();
        long end = hintEnd == UNSET ? 0 : hintEnd;
        long last = hintIndex;
        if (hintIndex != UNSET)
        {
            try (ExcerptTailer probe = queue.createTailer())
            {
                if (!probe.moveToIndex(hintIndex))
                {
                    if (probe.state() == TailerState.CYCLE_NOT_FOUND)
                    {
                        // The file of the last append is gone (discarded as damaged): count to the last frame left.
                        last = lastExistingIndex();
                    }
                }
                else
                {
                    for (int i = 0; i < 3; i++)
                    {
                        try (DocumentContext dc = probe.readingDocument())
                        {
                            if (!dc.isPresent())
                            {
                                break;
                            }
                            final long offset = reader.validRecordOffset(dc.wire().bytes());
                            if (offset == UNSET)
                            {
                                break;
                            }
                            end = Math.max(end, offset + dc.wire().bytes().readRemaining() - HEADER_LENGTH);
                            last = dc.index();
                        }
                    }
                }
            }
            catch (final RuntimeException | AssertionError e)
            {
                LOG.debug("spill store {}: reading the last record", directory, e);
            }
        }
        else if (highestCycle != NO_CYCLE)
        {
            last = lastExistingIndex();
        }
        gauges.appendEnd(Math.max(end, 0));
        return last;
    }

    private long lastExistingIndex()
    {
        try
        {
            final long last = queue.lastIndex();
            return last < 0 ? UNSET : last;
        }
        catch (final RuntimeException | AssertionError e)
        {
            LOG.debug("spill store {}: finding the last index", directory, e);
            return UNSET;
        }
    }

    /**
     * Walks the backlog from the read position with a tailer of its own, reading each record's offset but not its
     * frame: a record that is not the next in the offset chain, or a file Chronicle cannot walk to its end (whose rest
     * is then scanned, as a read would), means damage.
     *
     * @return bytes recorded in the backlog and not found.
     */
    long surveyDamage()
    {
        final long recorded = gauges.backlogBytes();
        if (recorded == 0 || !reader.readOffsetTrusted())
        {
            return 0;
        }
        long expected = gauges.readOffset();
        long found = 0;
        int lastCycle = NO_CYCLE;
        long lastStart = 0;
        long lastOffset = 0;
        long lastLength = 0;
        RecordScanner ownScanner = null;
        try (ExcerptTailer probe = queue.createTailer())
        {
            ((SingleThreadedChecked)probe).singleThreadedCheckDisabled(true);
            final long index = positions.readIndex();
            if (index != UNSET && !probe.moveToIndex(index) && probe.state() == TailerState.CYCLE_NOT_FOUND)
            {
                final int next = cycleFiles.firstAfter(rollCycle.toCycle(index));
                if (next == NO_CYCLE)
                {
                    return recorded;
                }
                probe.moveToIndex(rollCycle.toIndex(next, 0));
            }
            int previousCycle = probe.cycle();
            long previousIndex = probe.index();
            // A file the reader scans from the start because Chronicle cannot reach the read index in it; the reader's
            // scanner is busy with it, so the survey scans with one of its own.
            int unreachable = reader.unreachableCycle();
            if (unreachable != NO_CYCLE)
            {
                ownScanner = new RecordScanner(maxRecordLength);
            }
            for (int attempt = 0; ; )
            {
                int damagedCycle = NO_CYCLE;
                if (unreachable != NO_CYCLE)
                {
                    damagedCycle = unreachable;
                    unreachable = NO_CYCLE;
                }
                else
                {
                    try (DocumentContext dc = probe.readingDocument())
                    {
                        final int cycle = probe.cycle();
                        if (!dc.isPresent())
                        {
                            if (cycle == NO_CYCLE || cycle >= highestCycle)
                            {
                                break;
                            }
                            if ((cycle != previousCycle || probe.index() != previousIndex) && attempt++ < 8)
                            {
                                previousCycle = cycle;
                                previousIndex = probe.index();
                                continue;
                            }
                            damagedCycle = cycle;
                        }
                        else
                        {
                            attempt = 0;
                            final Bytes<?> bytes = dc.wire().bytes();
                            final long length = bytes.readRemaining();
                            final long offset = length >= HEADER_LENGTH && length <= maxRecordLength ?
                                bytes.readLong(bytes.readPosition() + LOGICAL_OFFSET_OFFSET) : UNSET;
                            final long frameLength = length - HEADER_LENGTH;
                            if (offset != UNSET && offset >= expected && offset + frameLength <= gauges.appendEnd())
                            {
                                found += frameLength;
                                expected = offset + frameLength;
                                lastCycle = rollCycle.toCycle(dc.index());
                                lastStart = bytes.readPosition() - DOCUMENT_HEADER_LENGTH;
                                lastOffset = offset;
                                lastLength = frameLength;
                            }
                            else if (cycle < highestCycle)
                            {
                                damagedCycle = cycle;
                            }
                        }
                    }
                    catch (final RuntimeException | AssertionError e)
                    {
                        damagedCycle = probe.cycle();
                        if (damagedCycle == NO_CYCLE || damagedCycle >= highestCycle)
                        {
                            break;
                        }
                    }
                }
                if (damagedCycle == NO_CYCLE)
                {
                    continue;
                }
                // The rest of a damaged file, as a read will find it, from the last record counted in it: damage often
                // covers the end of a record whose header is intact, and only its checksum tells.
                final RecordScanner scanner = ownScanner != null ? ownScanner : reader.scanner();
                long from = 0;
                if (lastCycle == damagedCycle)
                {
                    found -= lastLength;
                    expected = lastOffset;
                    from = lastStart;
                }
                scanner.open(cycleFiles.file(damagedCycle), from);
                while (scanner.next(expected, gauges.appendEnd()))
                {
                    found += scanner.frameLength();
                    expected = scanner.recordOffset() + scanner.frameLength();
                    scanner.consume();
                }
                scanner.close();
                final int next = cycleFiles.firstAfter(damagedCycle);
                if (next == NO_CYCLE)
                {
                    break;
                }
                SpillReader.moveToCycleStart(probe, rollCycle, next);
                previousCycle = probe.cycle();
                previousIndex = probe.index();
                attempt = 0;
            }
        }
        catch (final IOException | RuntimeException | AssertionError e)
        {
            LOG.debug("spill store {}: surveying the backlog", directory, e);
            return 0;
        }
        finally
        {
            SpillFailures.closeQuietly(ownScanner);
        }
        return Math.max(0, recorded - found);
    }

    /**
     * @param lastIndex index of the last record, as {@link #recoverAppendEnd()} found it.
     * @return records from the reader's position to the last, by Chronicle's index arithmetic (1 when that fails: not
     * empty until a read proves it).
     */
    long countBacklog(final long lastIndex)
    {
        if (lastIndex == UNSET || lastIndex < 0)
        {
            return 0;
        }
        try
        {
            final long next = reader.index();
            if (lastIndex < next)
            {
                return 0;
            }
            return Math.max(0, queue.countExcerpts(next, lastIndex) + 1);
        }
        catch (final RuntimeException | AssertionError e)
        {
            LOG.debug("spill store {}: counting the backlog", directory, e);
            return 1; // unknown: not empty until a read proves it
        }
    }
}
