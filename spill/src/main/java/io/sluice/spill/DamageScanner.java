package io.sluice.spill;

import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import org.agrona.DirectBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Gets a {@link SpillReader} past a damaged cycle file, one appends no longer go to: the rest of the file is read by
 * scanning its bytes for whole records ({@link RecordScanner}) from the end of the last record read in it (or from its
 * start), so that a hole costs only the records it destroyed; then the reader's tailer moves to the next file. What
 * could not be found (the frames the file's index claims, less those found) is counted in the {@link DamageLog} and
 * the backlog. Owner thread only; the scanner's window is allocated at the first damage.
 */
final class DamageScanner implements AutoCloseable
{
    // Logs as the store: operators configure, and tests watch, the store's logger.
    private static final Logger LOG = LoggerFactory.getLogger(SpillStore.class);
    private static final int NO_CYCLE = CycleFiles.NO_CYCLE;
    private static final long UNSET = SpillPositions.UNSET;

    private final Path directory;
    private final ExcerptTailer tailer;
    private final RollCycle rollCycle;
    private final CycleFiles cycleFiles;
    private final ReadCursor cursor;
    private final SpillGauges gauges;
    private final DamageLog damage;
    private final ReadOffset readOffset;
    private final int maxRecordLength;
    private RecordScanner scanner;

    private int lastRecordCycle = NO_CYCLE;
    private long lastRecordEnd;
    private int salvageCycle = NO_CYCLE;
    private int salvageNextCycle;
    private long salvageUnread;
    private long salvaged;
    private String salvageReason;

    /**
     * @param directory       the store's directory, for log messages.
     * @param tailer          the reader's tailer, moved to the next file when a damaged one is done.
     * @param rollCycle       the queue's roll cycle.
     * @param cycleFiles      the store's cycle files.
     * @param positions       where the read index is stored when the reader moves to the next file.
     * @param gauges          the store's gauges.
     * @param damage          where losses are counted.
     * @param readOffset      the reader's read offset.
     * @param maxRecordLength the longest record the store holds.
     */
    DamageScanner(
        final Path directory,
        final ExcerptTailer tailer,
        final RollCycle rollCycle,
        final CycleFiles cycleFiles,
        final SpillPositions positions,
        final SpillGauges gauges,
        final DamageLog damage,
        final ReadOffset readOffset,
        final int maxRecordLength)
    {
        this(directory, tailer, rollCycle, cycleFiles, ReadCursor.storing(positions), gauges, damage, readOffset,
            maxRecordLength);
    }

    /**
     * @param directory       the store's directory, for log messages.
     * @param tailer          the reader's tailer, moved to the next file when a damaged one is done.
     * @param rollCycle       the queue's roll cycle.
     * @param cycleFiles      the store's cycle files.
     * @param cursor          the reader's cursor, moved to the next file when a damaged one is done.
     * @param gauges          the store's gauges.
     * @param damage          where losses are counted.
     * @param readOffset      the reader's read offset.
     * @param maxRecordLength the longest record the store holds.
     */
    DamageScanner(
        final Path directory,
        final ExcerptTailer tailer,
        final RollCycle rollCycle,
        final CycleFiles cycleFiles,
        final ReadCursor cursor,
        final SpillGauges gauges,
        final DamageLog damage,
        final ReadOffset readOffset,
        final int maxRecordLength)
    {
        this.directory = directory;
        this.tailer = tailer;
        this.rollCycle = rollCycle;
        this.cycleFiles = cycleFiles;
        this.cursor = cursor;
        this.gauges = gauges;
        this.damage = damage;
        this.readOffset = readOffset;
        this.maxRecordLength = maxRecordLength;
    }

    /**
     * Notes where the last record read through Chronicle ended, where scanning that file would start.
     *
     * @param cycle its cycle.
     * @param end   the file position after it.
     */
    void recordRead(final int cycle, final long end)
    {
        lastRecordCycle = cycle;
        lastRecordEnd = end;
    }

    /** @return whether the reader is scanning a damaged file: it takes records from {@link #findNext()}. */
    boolean active()
    {
        return salvageCycle != NO_CYCLE;
    }

    /**
     * Damage found in {@code cycle}: starts scanning the rest of it, or, if it cannot be read, moves on at once.
     *
     * @param cycle  the damaged file's cycle.
     * @param reason what was found, for the log.
     * @return false if the reader could not move (no later file); it then reports empty.
     */
    boolean skip(final int cycle, final String reason)
    {
        return skip(cycle, reason, UNSET);
    }

    /**
     * As {@link #skip(int, String)}, counting the records the file holds from {@code unreadIndex} on as unread.
     *
     * @param cycle       the damaged file's cycle.
     * @param reason      what was found, for the log.
     * @param unreadIndex the index of the first record not read, or {@link SpillPositions#UNSET} for the tailer's.
     * @return false if the reader could not move (no later file); it then reports empty.
     */
    boolean skip(final int cycle, final String reason, final long unreadIndex)
    {
        long position = 0;
        long claimed = -1;
        try
        {
            final long unread = unreadIndex != UNSET ? unreadIndex : tailer.cycle() == cycle ? tailer.index() : UNSET;
            position = unread == UNSET ? 0 : rollCycle.toSequenceNumber(unread);
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
            return finish();
        }
        return true;
    }

    /**
     * Looks for the next whole record in the damaged file: one whose logical offset is not below the read offset (when
     * trusted) and ends within the store.
     *
     * @return whether one was found ({@link #frame()}...); if not, call {@link #finish()}.
     */
    boolean findNext()
    {
        try
        {
            return scanner.next(readOffset.scanFloor(), gauges.appendEnd());
        }
        catch (final IOException e)
        {
            LOG.debug("spill store {}: scanning damaged cycle {}", directory, salvageCycle, e);
            return false;
        }
    }

    /** @return the cycle of the damaged file being scanned. */
    int cycle()
    {
        return salvageCycle;
    }

    /** @return the frame found, at index 0. */
    DirectBuffer frame()
    {
        return scanner.frame();
    }

    /** @return the frame's length. */
    int frameLength()
    {
        return scanner.frameLength();
    }

    /** @return the record's logical offset. */
    long recordOffset()
    {
        return scanner.recordOffset();
    }

    /** The frame found was consumed: the scan goes on after it. */
    void consume()
    {
        scanner.consume();
        salvaged++;
    }

    /**
     * Ends the scan of the damaged file: counts and logs what was lost, moves the tailer (and the stored read index) to
     * the next file.
     *
     * @return false if the tailer could not move past the damaged file.
     */
    boolean finish()
    {
        final int cycle = salvageCycle;
        salvageCycle = NO_CYCLE;
        scanner.close();
        final long lost = salvageUnread < 0 ? 1 : Math.max(0, salvageUnread - salvaged);
        if (lost > 0 || salvaged > 0)
        {
            damage.lost(cycle, salvageReason + "; " + salvaged + " frame(s) found after the damage, " + lost + " lost",
                lost);
            gauges.consumeBacklog(lost);
            readOffset.chainBroken();
        }
        else
        {
            // Every frame the file claims was read: an empty or unsealed file the tailer cannot leave by itself.
            LOG.debug("spill store {}: moving the reader past cycle {} ({})", directory, cycle, salvageReason);
        }
        SpillReader.moveToCycleStart(tailer, rollCycle, salvageNextCycle);
        cursor.moved(rollCycle.toIndex(salvageNextCycle, 0));
        if (tailer.cycle() <= cycle)
        {
            LOG.warn("spill store {}: cannot move the reader past damaged cycle {}", directory, cycle);
            return false;
        }
        return true;
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
    }
}
