package io.sluice.spill;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.core.io.SingleThreadedChecked;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.TailerState;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;

import static io.sluice.spill.SpillRecordDescriptor.BYTE_ORDER;
import static io.sluice.spill.SpillRecordDescriptor.CHECKSUM_OFFSET;
import static io.sluice.spill.SpillRecordDescriptor.FRAME_OFFSET;
import static io.sluice.spill.SpillRecordDescriptor.HEADER_LENGTH;
import static io.sluice.spill.SpillRecordDescriptor.LOGICAL_OFFSET_OFFSET;

/**
 * The read side of a {@link SpillStore}: delivers records in order through Chronicle's tailer, stores the read position
 * after each frame consumed ({@link SpillPositions}), and gets past damage. A record whose checksum or offset fails is
 * never delivered; a file Chronicle cannot read to its end is read on by scanning its bytes ({@link RecordScanner}), so
 * a hole costs only the records it destroyed; what is lost is counted ({@link DamageLog}, {@link SpillGauges}). The
 * records' logical offsets show how many bytes were lost between two records read. Owner thread only; no allocation
 * per frame.
 */
final class SpillReader implements AutoCloseable
{
    // Logs as the store: operators configure, and tests watch, the store's logger.
    private static final Logger LOG = LoggerFactory.getLogger(SpillStore.class);
    private static final long UNSET = SpillPositions.UNSET;
    private static final int NO_CYCLE = CycleFiles.NO_CYCLE;
    private static final int RECORD_HEADER_LENGTH = HEADER_LENGTH;
    private static final int DELIVERED = 1;
    private static final int EMPTY = 0;
    private static final int SKIPPED = -1;
    private static final int NO_ROOM = -2;

    private final Path directory;
    private final RollCycle rollCycle;
    private final CycleFiles cycleFiles;
    private final SpillPositions positions;
    private final SpillGauges gauges;
    private final DamageLog damage;
    private final int maxRecordLength;
    private final ExcerptTailer tailer;
    private final UnsafeBuffer readView = new UnsafeBuffer(0, 0);

    // The highest cycle with a file, as the append side last said: files below it are sealed.
    private int highestCycle = NO_CYCLE;
    private boolean drained;
    private int lastFrameLength;
    // Whether the read offset is the end of the last record consumed (false only when the metadata was lost), so that
    // a record starting beyond it follows bytes lost to damage.
    private boolean readOffsetTrusted;
    private boolean readOffsetKnown;
    private int lastRecordCycle = NO_CYCLE;
    private long lastRecordEnd;
    // Reading the rest of a damaged file by scanning it; NO_CYCLE when not.
    private RecordScanner scanner;
    private int salvageCycle = NO_CYCLE;
    private int salvageNextCycle;
    private long salvageUnread;
    private long salvaged;
    private String salvageReason;

    /**
     * @param directory       the store's directory, for log messages.
     * @param tailer          the store's tailer; this reader owns it from now on.
     * @param rollCycle       the queue's roll cycle.
     * @param cycleFiles      the store's cycle files.
     * @param positions       where the read position is kept.
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
        this.directory = directory;
        this.tailer = tailer;
        // Confinement is checked per call by the store; Chronicle's per-operation check is redundant.
        ((SingleThreadedChecked)tailer).singleThreadedCheckDisabled(true);
        this.rollCycle = rollCycle;
        this.cycleFiles = cycleFiles;
        this.positions = positions;
        this.gauges = gauges;
        this.damage = damage;
        this.maxRecordLength = maxRecordLength;
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
        int outcome = DELIVERED;
        long room = Long.MAX_VALUE;
        while (delivered < limit)
        {
            outcome = readOne(handler, room);
            if (outcome == EMPTY || outcome == NO_ROOM)
            {
                break;
            }
            if (outcome == DELIVERED)
            {
                room = delivered == 0 ? byteLimit - lastFrameLength : room - lastFrameLength;
                delivered++;
            }
        }
        drained = outcome == EMPTY;
        if (drained)
        {
            onDrained();
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
        return readOffsetTrusted;
    }

    /** @return the scanner for damaged files, made at the first need (its window is large). */
    RecordScanner scanner()
    {
        if (scanner == null)
        {
            scanner = new RecordScanner(maxRecordLength);
        }
        return scanner;
    }

    @Override
    public void close()
    {
        SpillFailures.closeQuietly(scanner);
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

    /** @return the Chronicle index of the next record to read. */
    long index()
    {
        return tailer.index();
    }

    /**
     * Positions the reader at the stored read index at open: at the next file when the file it names was deleted, or
     * when Chronicle cannot find the index in a damaged file (one frame counted lost); at the start when none is stored.
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
            if (tailer.moveToIndex(index) || tailer.state() != TailerState.CYCLE_NOT_FOUND)
            {
                // Found, or at (in a damaged file possibly beyond) the end of its file: read() moves on from there.
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
            gauges.readOffset(gauges.appendEnd());
            readOffsetKnown = true;
            readOffsetTrusted = true;
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
        final long stored = positions.readOffset();
        if (stored != UNSET && (next == UNSET || next >= stored))
        {
            gauges.readOffset(stored);
            readOffsetKnown = next == stored;
            readOffsetTrusted = true;
        }
        else if (next != UNSET)
        {
            gauges.readOffset(next);
            readOffsetKnown = true;
            readOffsetTrusted = true;
        }
        else
        {
            gauges.readOffset(0);
            readOffsetKnown = false;
            readOffsetTrusted = false;
        }
    }

    /**
     * @param bytes a document's bytes, at its record.
     * @return the record's logical offset if its length is plausible and its checksum holds, else {@link #UNSET}.
     */
    long validRecordOffset(final Bytes<?> bytes)
    {
        final long length = bytes.readRemaining();
        if (length < RECORD_HEADER_LENGTH || length > maxRecordLength)
        {
            return UNSET;
        }
        readView.wrap(bytes.addressForRead(bytes.readPosition(), (int)length), (int)length);
        final long offset = readView.getLong(LOGICAL_OFFSET_OFFSET, BYTE_ORDER);
        final int check = RecordChecksum.compute(readView, FRAME_OFFSET, (int)length - RECORD_HEADER_LENGTH, offset);
        return check == readView.getInt(CHECKSUM_OFFSET, BYTE_ORDER) ? offset : UNSET;
    }

    private void onDrained()
    {
        gauges.backlogMessages(0);
        if (readOffsetTrusted && gauges.appendEnd() > gauges.readOffset())
        {
            // The store ends in damage: what was appended after the last record read is gone.
            gauges.addDamagedBytes(gauges.appendEnd() - gauges.readOffset());
        }
        readOffsetTrusted = true;
        gauges.readOffset(gauges.appendEnd());
        readOffsetKnown = true;
    }

    private int readOne(final FrameHandler handler, final long room)
    {
        if (salvageCycle != NO_CYCLE)
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
                    return skipDamage(cycle, "unreadable (" + e + ")") ? SKIPPED : EMPTY;
                }
                throw e;
            }
            if (!dc.isPresent())
            {
                dc.close();
                final int cycle = tailer.cycle();
                if (cycle == NO_CYCLE || cycle >= highestCycle)
                {
                    return EMPTY;
                }
                final long index = tailer.index();
                if ((cycle != lastCycle || index != lastIndex) && attempt < 8)
                {
                    lastCycle = cycle;
                    lastIndex = index;
                    continue;
                }
                return skipDamage(cycle, "ends before its last frame") ? SKIPPED : EMPTY;
            }
            return deliver(dc, handler, room);
        }
    }

    private int deliver(final DocumentContext dc, final FrameHandler handler, final long room)
    {
        boolean closeNeeded = true;
        try
        {
            final Bytes<?> bytes = dc.wire().bytes();
            final long position = bytes.readPosition();
            final long length = bytes.readRemaining();
            final long index = dc.index();
            boolean valid = length >= RECORD_HEADER_LENGTH && length <= maxRecordLength;
            long storedOffset = UNSET;
            int frameLength = 0;
            if (valid)
            {
                try
                {
                    readView.wrap(bytes.addressForRead(position, (int)length), (int)length);
                    storedOffset = readView.getLong(LOGICAL_OFFSET_OFFSET, BYTE_ORDER);
                    frameLength = (int)length - RECORD_HEADER_LENGTH;
                    valid = readView.getInt(CHECKSUM_OFFSET, BYTE_ORDER)
                        == RecordChecksum.compute(readView, FRAME_OFFSET, frameLength, storedOffset);
                }
                catch (final RuntimeException e)
                {
                    valid = false;
                    storedOffset = UNSET;
                }
            }
            if (!valid)
            {
                final int cycle = rollCycle.toCycle(index);
                final boolean intactChain =
                    storedOffset != UNSET && readOffsetKnown && storedOffset == gauges.readOffset();
                if (cycle < highestCycle && !intactChain)
                {
                    closeNeeded = false;
                    dc.rollbackOnClose();
                    dc.close();
                    return skipDamage(cycle, "holds a damaged record at index " + Long.toHexString(index))
                        ? SKIPPED : EMPTY;
                }
                // Payload damage in an intact record, or a damaged record in the file being appended to: skip it.
                damage.lost(cycle, "skipped a damaged record at index " + Long.toHexString(index), 1);
                if (intactChain)
                {
                    gauges.addDamagedBytes(frameLength);
                    gauges.readOffset(storedOffset + frameLength);
                }
                consumed(index + 1);
                return SKIPPED;
            }

            if (frameLength > room)
            {
                dc.rollbackOnClose();
                return NO_ROOM;
            }
            noteLoss(storedOffset);
            try
            {
                handler.onFrame(readView, FRAME_OFFSET, frameLength);
            }
            catch (final Throwable t)
            {
                dc.rollbackOnClose();
                throw t;
            }
            lastRecordCycle = rollCycle.toCycle(index);
            lastRecordEnd = position + length;
            onConsumed(storedOffset, frameLength);
            consumed(index + 1);
            return DELIVERED;
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
        positions.readIndex(nextIndex);
        final long backlog = gauges.backlogMessages();
        if (backlog > 0)
        {
            gauges.backlogMessages(backlog - 1);
        }
    }

    private void onConsumed(final long storedOffset, final int frameLength)
    {
        lastFrameLength = frameLength;
        gauges.readOffset(storedOffset + frameLength);
        readOffsetKnown = true;
        readOffsetTrusted = true;
        positions.readOffset(storedOffset + frameLength);
    }

    // Records carry their logical offsets: one that starts beyond the end of the last record consumed follows bytes lost
    // to damage (a hole, a skipped file). Counted before the record is handed over, so that a reader sees the count
    // grow before the first frame after the loss.
    private void noteLoss(final long storedOffset)
    {
        if (readOffsetTrusted && storedOffset > gauges.readOffset())
        {
            gauges.addDamagedBytes(storedOffset - gauges.readOffset());
            // Counted once, even if the handler throws and the record comes again.
            gauges.readOffset(storedOffset);
        }
    }

    /**
     * Damage in {@code cycle}, a file appends no longer go to: the rest of it is read by scanning its bytes for whole
     * records (see {@link RecordScanner}) from the end of the last record read in it (or from its start), so that a
     * hole costs only the records it destroyed; then reading goes on with the next file. Counts what it could not find.
     *
     * @return false if the reader could not move (no later file); it then reports empty.
     */
    private boolean skipDamage(final int cycle, final String reason)
    {
        long position = 0;
        long claimed = -1;
        try
        {
            position = tailer.cycle() == cycle ? rollCycle.toSequenceNumber(tailer.index()) : 0;
            claimed = tailer.excerptsInCycle(cycle);
        }
        catch (final RuntimeException | AssertionError e)
        {
            LOG.debug("spill store {}: counting the frames of damaged cycle {}", directory, cycle, e);
        }
        final int next = cycleFiles.firstAfter(cycle);
        if (next == NO_CYCLE)
        {
            LOG.warn("spill store {}: cannot move the reader past damaged cycle {}: no later file", directory, cycle);
            return false;
        }
        salvageCycle = cycle;
        salvageNextCycle = next;
        salvageUnread = claimed < 0 ? -1 : Math.max(0, claimed - position);
        salvaged = 0;
        salvageReason = reason;
        try
        {
            scanner().open(cycleFiles.file(cycle), lastRecordCycle == cycle ? lastRecordEnd : 0);
        }
        catch (final IOException e)
        {
            salvageReason = reason + "; cannot read it (" + e + ")";
            return finishSalvage();
        }
        return true;
    }

    /** One record found by scanning a damaged file, or, at its end, the move to the next file. */
    private int salvageNext(final FrameHandler handler, final long room)
    {
        boolean found;
        try
        {
            found = scanner.next(readOffsetTrusted ? gauges.readOffset() : Long.MIN_VALUE, gauges.appendEnd());
        }
        catch (final IOException e)
        {
            LOG.debug("spill store {}: scanning damaged cycle {}", directory, salvageCycle, e);
            found = false;
        }
        if (!found)
        {
            return finishSalvage() ? SKIPPED : EMPTY;
        }
        final int frameLength = scanner.frameLength();
        if (frameLength > room)
        {
            return NO_ROOM;
        }
        final long storedOffset = scanner.recordOffset();
        noteLoss(storedOffset);
        handler.onFrame(scanner.frame(), 0, frameLength);
        scanner.consume();
        onConsumed(storedOffset, frameLength);
        salvaged++;
        gauges.consumeBacklog(1);
        return DELIVERED;
    }

    private boolean finishSalvage()
    {
        final int cycle = salvageCycle;
        salvageCycle = NO_CYCLE;
        scanner.close();
        final long lost = salvageUnread < 0 ? 1 : Math.max(0, salvageUnread - salvaged);
        if (lost > 0 || salvaged > 0)
        {
            recordSkip(cycle, salvageReason + "; " + salvaged + " frame(s) found after the damage, " + lost + " lost",
                lost);
        }
        else
        {
            // Every frame the file claims was read: an empty or unsealed file the tailer cannot leave by itself.
            LOG.debug("spill store {}: moving the reader past cycle {} ({})", directory, cycle, salvageReason);
        }
        moveToCycleStart(salvageNextCycle);
        positions.readIndex(rollCycle.toIndex(salvageNextCycle, 0));
        if (tailer.cycle() <= cycle)
        {
            LOG.warn("spill store {}: cannot move the reader past damaged cycle {}", directory, cycle);
            return false;
        }
        return true;
    }

    private void recordSkip(final int cycle, final String what, final long skipped)
    {
        damage.lost(cycle, what, skipped);
        gauges.consumeBacklog(skipped);
        readOffsetKnown = false;
    }
}
