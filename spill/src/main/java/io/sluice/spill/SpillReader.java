package io.sluice.spill;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.core.io.SingleThreadedChecked;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.TailerState;
import net.openhft.chronicle.wire.DocumentContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;

/**
 * The read side of a {@link SpillStore}: delivers records in order through Chronicle's tailer, moves its
 * {@link ReadCursor} after each frame consumed (which stores the read position at once, or in acknowledged mode when
 * the owner releases the frame), and gets past damage. A record whose checksum fails
 * ({@link RecordView}) is never delivered; a file Chronicle cannot read to its end is read on by scanning its bytes
 * ({@link DamageScanner}), so a hole costs only the records it destroyed; what is lost is counted ({@link DamageLog},
 * {@link SpillGauges}). The records' logical offsets show how many bytes were lost between two records read
 * ({@link ReadOffset}). Each step comes to a {@link ReadOutcome}. Owner thread only; no allocation per frame.
 */
final class SpillReader implements AutoCloseable
{
    // Logs as the store: operators configure, and tests watch, the store's logger.
    private static final Logger LOG = LoggerFactory.getLogger(SpillStore.class);
    private static final long UNSET = SpillPositions.UNSET;
    private static final int NO_CYCLE = CycleFiles.NO_CYCLE;

    private final Path directory;
    private final RollCycle rollCycle;
    private final CycleFiles cycleFiles;
    private final SpillPositions positions;
    private final ReadCursor cursor;
    private final SpillGauges gauges;
    private final DamageLog damage;
    private final ExcerptTailer tailer;
    private final RecordView record;
    private final ReadOffset readOffset;
    private final DamageScanner damageScanner;

    // The highest cycle with a file, as the append side last said: files below it are sealed.
    private int highestCycle = NO_CYCLE;
    private boolean drained;
    private int lastFrameLength;
    // The stored index at open when its file is scanned because Chronicle cannot reach it.
    private long unreachableIndex = UNSET;

    /**
     * @param directory       the store's directory, for log messages.
     * @param tailer          the store's tailer; this reader owns it from now on.
     * @param rollCycle       the queue's roll cycle.
     * @param cycleFiles      the store's cycle files.
     * @param positions       where the read position is kept, stored after each frame consumed.
     * @param gauges          the store's gauges.
     * @param damage          where losses are counted.
     * @param maxRecordLength the longest record the store holds.
     */
    SpillReader(
        final Path directory,
        final ExcerptTailer tailer,
        final RollCycle rollCycle,
        final CycleFiles cycleFiles,
        final SpillPositions positions,
        final SpillGauges gauges,
        final DamageLog damage,
        final int maxRecordLength)
    {
        this(directory, tailer, rollCycle, cycleFiles, positions, ReadCursor.storing(positions), gauges, damage,
            maxRecordLength);
    }

    /**
     * @param directory       the store's directory, for log messages.
     * @param tailer          the store's tailer; this reader owns it from now on.
     * @param rollCycle       the queue's roll cycle.
     * @param cycleFiles      the store's cycle files.
     * @param positions       where the read position is kept (read at open).
     * @param cursor          moved as records are read; it stores the read position or waits for releases.
     * @param gauges          the store's gauges.
     * @param damage          where losses are counted.
     * @param maxRecordLength the longest record the store holds.
     */
    SpillReader(
        final Path directory,
        final ExcerptTailer tailer,
        final RollCycle rollCycle,
        final CycleFiles cycleFiles,
        final SpillPositions positions,
        final ReadCursor cursor,
        final SpillGauges gauges,
        final DamageLog damage,
        final int maxRecordLength)
    {
        this.directory = directory;
        this.tailer = tailer;
        // Confinement is checked per call by the store; Chronicle's per-operation check is redundant.
        ((SingleThreadedChecked)tailer).singleThreadedCheckDisabled(true);
        this.rollCycle = rollCycle;
        this.cycleFiles = cycleFiles;
        this.positions = positions;
        this.cursor = cursor;
        this.gauges = gauges;
        this.damage = damage;
        this.record = new RecordView(maxRecordLength);
        this.readOffset = new ReadOffset(gauges);
        this.damageScanner = new DamageScanner(
            directory, tailer, rollCycle, cycleFiles, cursor, gauges, damage, readOffset, maxRecordLength);
    }

    /**
     * Delivers up to {@code limit} frames, as {@link SpillStore#read(FrameHandler, int, long)}.
     *
     * @param handler      receives the frames.
     * @param limit        most frames to deliver.
     * @param byteLimit    most bytes of frames to deliver, the first frame aside.
     * @param highestCycle the highest cycle with a file: a file below it that ends early is damaged, not being written.
     * @return frames delivered.
     */
    int read(final FrameHandler handler, final int limit, final long byteLimit, final int highestCycle)
    {
        this.highestCycle = highestCycle;
        int delivered = 0;
        ReadOutcome outcome = ReadOutcome.DELIVERED;
        long room = Long.MAX_VALUE;
        while (delivered < limit)
        {
            outcome = readOne(handler, room);
            if (outcome == ReadOutcome.EMPTY || outcome == ReadOutcome.NO_ROOM)
            {
                break;
            }
            if (outcome == ReadOutcome.DELIVERED)
            {
                room = delivered == 0 ? byteLimit - lastFrameLength : room - lastFrameLength;
                delivered++;
            }
        }
        drained = outcome == ReadOutcome.EMPTY;
        if (drained)
        {
            gauges.backlogMessages(0);
            readOffset.drained(gauges.appendEnd());
        }
        return delivered;
    }

    /** @return whether the last {@link #read} found no more frames. */
    boolean drained()
    {
        return drained;
    }

    /** Lets the tailer step past a drained file's end-of-file marker, so that the file can be deleted. */
    void stepPastEndOfFile()
    {
        try (DocumentContext dc = tailer.readingDocument())
        {
            if (dc.isPresent())
            {
                dc.rollbackOnClose();
            }
        }
    }

    /** @return whether the read offset is the end of the last record consumed (not so when the metadata was lost). */
    boolean readOffsetTrusted()
    {
        return readOffset.trusted();
    }

    /** @return the scanner for damaged files, made at the first need (its window is large). */
    RecordScanner scanner()
    {
        return damageScanner.scanner();
    }

    @Override
    public void close()
    {
        SpillFailures.closeQuietly(damageScanner);
        SpillFailures.closeQuietly(tailer);
    }

    /** @return the cycle the reader is in (Chronicle's tailer cycle). */
    int cycle()
    {
        return tailer.cycle();
    }

    /** @return whether the reader has been positioned in a file: one that has not will start in the first. */
    boolean started()
    {
        return tailer.state() != TailerState.UNINITIALISED;
    }

    /** @return the Chronicle index of the next record to read (the stored one while its file is scanned at open). */
    long index()
    {
        return damageScanner.active() && unreachableIndex != UNSET ? unreachableIndex : tailer.index();
    }

    /** @return the cycle scanned since open because Chronicle could not reach the stored index in it, or none. */
    int unreachableCycle()
    {
        return damageScanner.active() && unreachableIndex != UNSET ? rollCycle.toCycle(unreachableIndex) : NO_CYCLE;
    }

    /**
     * Positions the reader at the stored read index at open: at the next file when the file it names was deleted, or
     * when Chronicle cannot find the index in a damaged file (one frame counted lost); at the start when none is
     * stored. When Chronicle stops short of an index its file holds (the index lies in or past a hole, where the
     * records were found by scanning before), the rest of that file is scanned again ({@link DamageScanner}) from the
     * stored read offset.
     */
    void position()
    {
        final long index = positions.readIndex();
        if (index == UNSET)
        {
            tailer.toStart();
            return;
        }
        final int cycle = rollCycle.toCycle(index);
        try
        {
            if (tailer.moveToIndex(index))
            {
                return;
            }
            if (tailer.state() != TailerState.CYCLE_NOT_FOUND)
            {
                // At (in a damaged file possibly beyond) the end of its file: read() moves on from there.
                if (rollCycle.toSequenceNumber(index) < claimedRecords(cycle))
                {
                    scanFrom(cycle, index);
                }
                else
                {
                    tailer.moveToIndex(index);
                }
                return;
            }
            // The file holding the read position was consumed and deleted: continue with the next file.
        }
        catch (final RuntimeException | AssertionError e)
        {
            // Chronicle cannot even find the position (and asserts on some damaged files when -ea is on).
            damage.lost(cycle, "cannot be positioned at index " + Long.toHexString(index) + " (" + e + ")", 1);
        }
        final int next = cycleFiles.firstAfter(cycle);
        if (next == NO_CYCLE)
        {
            tailer.toStart();
        }
        else
        {
            moveToCycleStart(next);
        }
    }

    /** @return records the file of {@code cycle} says it holds (moves the tailer); 0 when it cannot tell. */
    private long claimedRecords(final int cycle)
    {
        try
        {
            return tailer.excerptsInCycle(cycle);
        }
        catch (final RuntimeException | AssertionError e)
        {
            LOG.debug("spill store {}: counting the records of cycle {}", directory, cycle, e);
            return 0;
        }
    }

    /**
     * The file of {@code cycle} holds records Chronicle cannot reach at {@code index}: scans it from the start; the
     * stored read offset skips what was consumed. The tailer stays in the file, so that it is not deleted meanwhile.
     */
    private void scanFrom(final int cycle, final long index)
    {
        moveToCycleStart(cycle);
        if (!damageScanner.skip(cycle, "cannot be read at index " + Long.toHexString(index), index))
        {
            tailer.moveToIndex(index);
            return;
        }
        unreachableIndex = index;
    }

    private void moveToCycleStart(final int cycle)
    {
        moveToCycleStart(tailer, rollCycle, cycle);
    }

    /** Moves {@code reader} to the first record of {@code cycle}, or to the cycle when Chronicle finds no record. */
    static void moveToCycleStart(final ExcerptTailer reader, final RollCycle rollCycle, final int cycle)
    {
        if (!reader.moveToIndex(rollCycle.toIndex(cycle, 0)) && reader.cycle() != cycle)
        {
            reader.moveToCycle(cycle);
        }
    }

    /**
     * The read offset at open: the stored end of the last record consumed, so that bytes lost between it and the next
     * record (a file set aside, a hole) count as damage; the next record's own offset when that is lower (a kill -9
     * let it be consumed again) or nothing was stored; 0, untrusted, when neither is known.
     */
    void initialReadOffset()
    {
        if (gauges.backlogMessages() == 0)
        {
            readOffset.reset(gauges.appendEnd(), ReadOffset.Trust.EXACT);
            return;
        }
        final long stored = positions.readOffset();
        if (unreachableCycle() != NO_CYCLE)
        {
            // The scan finds the next record by its offset: the stored one is the end of the last record consumed.
            readOffset.reset(stored == UNSET ? 0 : stored, stored == UNSET ? ReadOffset.Trust.UNKNOWN :
                ReadOffset.Trust.EXACT);
            return;
        }
        long next = UNSET;
        try (DocumentContext dc = tailer.readingDocument())
        {
            if (dc.isPresent())
            {
                next = validRecordOffset(dc.wire().bytes());
                dc.rollbackOnClose();
            }
        }
        catch (final RuntimeException | AssertionError e)
        {
            LOG.debug("spill store {}: peeking at the next record", directory, e);
        }
        if (stored != UNSET && (next == UNSET || next >= stored))
        {
            readOffset.reset(stored, next == stored ? ReadOffset.Trust.EXACT : ReadOffset.Trust.LOWER_BOUND);
        }
        else if (next != UNSET)
        {
            readOffset.reset(next, ReadOffset.Trust.EXACT);
        }
        else
        {
            readOffset.reset(0, ReadOffset.Trust.UNKNOWN);
        }
    }

    /**
     * @param bytes a document's bytes, at its record.
     * @return the record's logical offset if its length is plausible and its checksum holds, else {@link #UNSET}.
     */
    long validRecordOffset(final Bytes<?> bytes)
    {
        return record.wrap(bytes) ? record.logicalOffset() : UNSET;
    }

    private ReadOutcome readOne(final FrameHandler handler, final long room)
    {
        if (damageScanner.active())
        {
            return salvageNext(handler, room);
        }
        int lastCycle = tailer.cycle();
        long lastIndex = tailer.index();
        for (int attempt = 0; ; attempt++)
        {
            final DocumentContext dc;
            try
            {
                dc = tailer.readingDocument();
            }
            catch (final RuntimeException | AssertionError e)
            {
                final int cycle = tailer.cycle();
                if (cycle != NO_CYCLE && cycle < highestCycle)
                {
                    return skipDamage(cycle, "unreadable (" + e + ")");
                }
                throw e;
            }
            if (!dc.isPresent())
            {
                dc.close();
                final int cycle = tailer.cycle();
                if (cycle == NO_CYCLE || cycle >= highestCycle)
                {
                    return ReadOutcome.EMPTY;
                }
                final long index = tailer.index();
                if ((cycle != lastCycle || index != lastIndex) && attempt < 8)
                {
                    lastCycle = cycle;
                    lastIndex = index;
                    continue;
                }
                return skipDamage(cycle, "ends before its last frame");
            }
            return deliver(dc, handler, room);
        }
    }

    private ReadOutcome deliver(final DocumentContext dc, final FrameHandler handler, final long room)
    {
        boolean closeNeeded = true;
        try
        {
            final Bytes<?> bytes = dc.wire().bytes();
            final long position = bytes.readPosition();
            final long length = bytes.readRemaining();
            final long index = dc.index();
            boolean valid;
            try
            {
                valid = record.wrap(bytes);
            }
            catch (final RuntimeException e)
            {
                valid = false;
                record.clear();
            }
            final long storedOffset = record.logicalOffset();
            final int frameLength = record.frameLength();
            if (!valid)
            {
                final int cycle = rollCycle.toCycle(index);
                final boolean intactChain = readOffset.continuesChain(storedOffset);
                if (cycle < highestCycle && !intactChain)
                {
                    closeNeeded = false;
                    dc.rollbackOnClose();
                    dc.close();
                    return skipDamage(cycle, "holds a damaged record at index " + Long.toHexString(index));
                }
                // Payload damage in an intact record, or a damaged record in the file being appended to: skip it.
                damage.lost(cycle, "skipped a damaged record at index " + Long.toHexString(index), 1);
                if (intactChain)
                {
                    readOffset.skippedInChain(storedOffset, frameLength);
                }
                consumed(index + 1);
                return ReadOutcome.SKIPPED;
            }

            if (frameLength > room)
            {
                dc.rollbackOnClose();
                return ReadOutcome.NO_ROOM;
            }
            readOffset.noteLoss(storedOffset);
            try
            {
                handler.onFrame(record.buffer(), record.frameOffset(), frameLength);
            }
            catch (final Throwable t)
            {
                dc.rollbackOnClose();
                throw t;
            }
            final int cycle = rollCycle.toCycle(index);
            damageScanner.recordRead(cycle, position + length);
            onConsumed(storedOffset, frameLength);
            consumed(index + 1);
            cursor.delivered(cycle);
            return ReadOutcome.DELIVERED;
        }
        finally
        {
            if (closeNeeded)
            {
                dc.close();
            }
        }
    }

    private void consumed(final long nextIndex)
    {
        cursor.moved(nextIndex);
        final long backlog = gauges.backlogMessages();
        if (backlog > 0)
        {
            gauges.backlogMessages(backlog - 1);
        }
    }

    private void onConsumed(final long storedOffset, final int frameLength)
    {
        lastFrameLength = frameLength;
        cursor.consumed(readOffset.consumed(storedOffset, frameLength));
    }

    /** Damage in {@code cycle}, a file appends no longer go to: see {@link DamageScanner#skip}. */
    private ReadOutcome skipDamage(final int cycle, final String reason)
    {
        return damageScanner.skip(cycle, reason) ? ReadOutcome.SKIPPED : ReadOutcome.EMPTY;
    }

    /** One record found by scanning a damaged file, or, at its end, the move to the next file. */
    private ReadOutcome salvageNext(final FrameHandler handler, final long room)
    {
        if (!damageScanner.findNext())
        {
            return damageScanner.finish() ? ReadOutcome.SKIPPED : ReadOutcome.EMPTY;
        }
        final int frameLength = damageScanner.frameLength();
        if (frameLength > room)
        {
            return ReadOutcome.NO_ROOM;
        }
        final long storedOffset = damageScanner.recordOffset();
        readOffset.noteLoss(storedOffset);
        handler.onFrame(damageScanner.frame(), 0, frameLength);
        final int cycle = damageScanner.cycle();
        damageScanner.consume();
        onConsumed(storedOffset, frameLength);
        gauges.consumeBacklog(1);
        cursor.delivered(cycle);
        return ReadOutcome.DELIVERED;
    }
}
