package io.sluice.spill;

import io.netty.buffer.ByteBuf;
import io.sluice.core.netty.ByteBufView;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.core.io.SingleThreadedChecked;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;

import static io.sluice.spill.SpillFailures.closeQuietly;

/**
 * The append side of a {@link SpillStore}: writes records (laid out as {@link SpillRecordDescriptor} draws them)
 * through Chronicle's appender, admits each against the {@link DiskBudget} first, and decides when to start a new
 * cycle file (wall-clock cycle, {@link SpillConfig#rollBytes()}, the cycle's index capacity, a drained backlog). The
 * store checks the calling thread; this class assumes its owner. No allocation per frame.
 */
final class SpillAppender implements AutoCloseable
{
    // Logs as the store: operators configure, and tests watch, the store's logger.
    private static final Logger LOG = LoggerFactory.getLogger(SpillStore.class);
    private static final int NO_CYCLE = CycleFiles.NO_CYCLE;
    private static final long DRAIN_ROLL_BYTES = 128L << 10;

    private final Path directory;
    private final SpillConfig config;
    private final SingleChronicleQueue queue;
    private final SegmentClock clock;
    private final CycleFiles cycleFiles;
    private final DiskUsage usage;
    private final DiskBudget budget;
    private final PageCacheAdvice pageCacheAdvice;
    private final SpillPositions positions;
    private final SpillGauges gauges;
    private final long epochMillis;
    private final long cycleLengthMillis;
    private final long maxMessagesPerCycle;
    private final ByteBufView bufView = new ByteBufView();
    private final UnsafeBuffer gatheredView = new UnsafeBuffer(0, 0);
    private byte[] gatherScratch;
    private ExcerptAppender appender;

    private int appendCycle = NO_CYCLE;
    private int highestCycle = NO_CYCLE;
    private long cycleStartWallMillis;
    private long lastAppendWallMillis;
    private long appendsInCycle;
    private long currentFileBytes;

    /**
     * @param directory       the store's directory (absolute), for log messages.
     * @param config          the store's settings.
     * @param queue           the store's queue.
     * @param clock           the queue's time provider: sets the cycle the next roll goes to.
     * @param cycleFiles      the store's cycle files.
     * @param usage           the store's disk use.
     * @param budget          admits appends against the quota and the free space.
     * @param pageCacheAdvice told of every append.
     * @param positions       where the append end and the last index are kept.
     * @param gauges          the store's gauges.
     */
    SpillAppender(
        final Path directory,
        final SpillConfig config,
        final SingleChronicleQueue queue,
        final SegmentClock clock,
        final CycleFiles cycleFiles,
        final DiskUsage usage,
        final DiskBudget budget,
        final PageCacheAdvice pageCacheAdvice,
        final SpillPositions positions,
        final SpillGauges gauges)
    {
        this.directory = directory;
        this.config = config;
        this.queue = queue;
        this.clock = clock;
        this.cycleFiles = cycleFiles;
        this.usage = usage;
        this.budget = budget;
        this.pageCacheAdvice = pageCacheAdvice;
        this.positions = positions;
        this.gauges = gauges;
        final RollCycle rollCycle = queue.rollCycle();
        this.epochMillis = queue.epoch();
        this.cycleLengthMillis = rollCycle.lengthInMillis();
        // A cycle file holds at most what its sequence bits and its two-level index can address.
        final long indexable = (long)queue.indexCount() * queue.indexCount() * queue.indexSpacing();
        this.maxMessagesPerCycle = Math.min(rollCycle.maxMessagesPerCycle(), indexable);
    }

    /**
     * Points the queue's clock at the cycle this session's first file takes: after every existing file, and not
     * before the wall clock's cycle.
     *
     * @param lastExisting the newest cycle with a file, or {@link CycleFiles#NO_CYCLE}.
     * @throws IllegalStateException if Chronicle computes another cycle (a roll cycle this store cannot drive).
     */
    void startAfter(final int lastExisting)
    {
        final long now = config.timeProvider().currentTimeMillis();
        final int startCycle = lastExisting == NO_CYCLE ? wallCycle(now) : Math.max(lastExisting + 1, wallCycle(now));
        clock.cycle(startCycle, epochMillis, cycleLengthMillis);
        if (queue.cycle() != startCycle)
        {
            throw new IllegalStateException("Chronicle computes cycle " + queue.cycle() + " for the start of cycle "
                + startCycle + "; unsupported roll cycle " + queue.rollCycle());
        }
        highestCycle = lastExisting;
    }

    /**
     * Creates Chronicle's appender (once) and, if earlier sessions left files, starts this session's cycle file, which
     * seals theirs. Chronicle reads the newest earlier files while doing so and may fail on a damaged one: the caller
     * then calls {@link #abandon()} and may retry.
     *
     * @param sealPrevious whether earlier files exist.
     */
    void start(final boolean sealPrevious)
    {
        if (appender == null)
        {
            appender = queue.createAppender();
            // Confinement is checked per call by the store; Chronicle's per-operation check is redundant.
            ((SingleThreadedChecked)appender).singleThreadedCheckDisabled(true);
        }
        usage.remeasure();
        budget.refreshUsableSpace(config.timeProvider().currentTimeMillis());
        if (sealPrevious && !rollNow())
        {
            LOG.warn("spill store {}: no room to start a new cycle file at open (disk use {} of quota {}, "
                + "usable {})", directory, usage.estimate(), budget.quotaBytes(), budget.usableSpace());
        }
    }

    /** Closes Chronicle's appender after a failed {@link #start}, so that the next attempt makes a new one. */
    void abandon()
    {
        closeQuietly(appender);
        appender = null;
    }

    /**
     * Appends one frame, as {@link SpillStore#append(DirectBuffer, int, int)}.
     *
     * @param buffer holds the frame.
     * @param offset first byte of the frame.
     * @param length frame length.
     * @return {@link DiskBudget#OK}, {@link DiskBudget#QUOTA_EXCEEDED} or {@link DiskBudget#DISK_FULL}.
     */
    int append(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < 0 || length > config.maxFrameLength())
        {
            throw new IllegalArgumentException(
                "frame length " + length + " not in [0, " + config.maxFrameLength() + "]");
        }
        buffer.boundsCheck(offset, length);

        final long docBytes = SpillRecordDescriptor.documentLength(length);
        final long now = config.timeProvider().currentTimeMillis();
        final boolean roll = rollDue(docBytes, now);
        final int status = admit(docBytes, roll, now);
        if (status != DiskBudget.OK)
        {
            return status;
        }
        if (roll && appendCycle != NO_CYCLE && clock.cycle() == appendCycle)
        {
            clock.cycle(nextCycle(now), epochMillis, cycleLengthMillis);
        }

        final long recordOffset = gauges.appendEnd();
        write(buffer, offset, length, recordOffset);

        if (roll)
        {
            onRolled(appender.cycle(), now);
        }
        appendsInCycle++;
        lastAppendWallMillis = now;
        currentFileBytes += docBytes;
        pageCacheAdvice.onAppended(docBytes);
        budget.onWritten(docBytes);
        final long end = recordOffset + length;
        gauges.appendEnd(end);
        positions.appendEnd(end);
        positions.lastIndex(appender.lastIndexAppended());
        gauges.backlogMessages(gauges.backlogMessages() + 1);
        usage.onAppended(docBytes);
        return DiskBudget.OK;
    }

    /**
     * Appends one frame held in a Netty buffer, as {@link SpillStore#append(ByteBuf, int, int)}: indexes and reference
     * count unchanged; a composite buffer is gathered into a scratch array allocated once.
     *
     * @param buf    holds the frame.
     * @param index  first byte of the frame.
     * @param length frame length.
     * @return as {@link #append(DirectBuffer, int, int)}.
     */
    int append(final ByteBuf buf, final int index, final int length)
    {
        if (index < 0 || length < 0 || index > buf.capacity() - length)
        {
            throw new IndexOutOfBoundsException("index " + index + " length " + length + " capacity " + buf.capacity());
        }
        if (length > config.maxFrameLength())
        {
            throw new IllegalArgumentException(
                "frame length " + length + " not in [0, " + config.maxFrameLength() + "]");
        }
        if (ByteBufView.wrapsInPlace(buf))
        {
            return append(bufView.wrap(buf), index, length);
        }
        // ByteBufView would copy a composite buffer's NIO view per call: gather into one scratch array instead.
        if (gatherScratch == null || gatherScratch.length < length)
        {
            gatherScratch = new byte[config.maxFrameLength()];
        }
        buf.getBytes(index, gatherScratch, 0, length);
        gatheredView.wrap(gatherScratch, 0, length);
        return append(gatheredView, 0, length);
    }

    /**
     * Whether an append of {@code length} bytes would be admitted now, writing nothing.
     *
     * @param length frame length.
     * @return {@link DiskBudget#OK}, {@link DiskBudget#QUOTA_EXCEEDED} or {@link DiskBudget#DISK_FULL}.
     */
    int room(final int length)
    {
        final long docBytes = SpillRecordDescriptor.documentLength(length);
        final long now = config.timeProvider().currentTimeMillis();
        return admit(docBytes, rollDue(docBytes, now), now);
    }

    /**
     * When the backlog has drained and the file appends go to holds {@value #DRAIN_ROLL_BYTES} bytes or more, starts a
     * new file so that the drained one can be deleted.
     *
     * @param readerCycle the cycle the reader is in.
     * @return whether a new file was started (the reader should then step past the drained file's end).
     */
    boolean rollIfDrained(final int readerCycle)
    {
        return appendCycle != NO_CYCLE && currentFileBytes >= DRAIN_ROLL_BYTES && readerCycle == appendCycle
            && drainRollDue() && rollNow();
    }

    /** Starts the next cycle file now (an empty write), if the quota and free space allow. */
    boolean rollNow()
    {
        final long now = config.timeProvider().currentTimeMillis();
        if (admit(0, true, now) != DiskBudget.OK)
        {
            return false;
        }
        final int target = appendCycle == NO_CYCLE ? clock.cycle() : nextCycle(now);
        clock.cycle(target, epochMillis, cycleLengthMillis);
        final DocumentContext dc = appender.writingDocument();
        dc.rollbackOnClose();
        dc.close();
        onRolled(appender.cycle(), now);
        return true;
    }

    /** @return the cycle appends go to; {@link CycleFiles#NO_CYCLE} before the first append or roll. */
    int appendCycle()
    {
        return appendCycle;
    }

    /** @return the highest cycle with a file: files below it are sealed. */
    int highestCycle()
    {
        return highestCycle;
    }

    /** @return bytes of documents appended to the current cycle file. */
    long currentFileBytes()
    {
        return currentFileBytes;
    }

    @Override
    public void close()
    {
        closeQuietly(appender);
    }

    private void write(final DirectBuffer buffer, final int offset, final int length, final long recordOffset)
    {
        final int check = RecordChecksum.compute(buffer, offset, length, recordOffset);
        final DocumentContext dc = appender.writingDocument();
        try
        {
            final Bytes<?> bytes = dc.wire().bytes();
            // Chronicle writes little-endian: SpillRecordDescriptor.BYTE_ORDER.
            bytes.writeLong(recordOffset);
            bytes.writeInt(check);
            final byte[] array = buffer.byteArray();
            if (array != null)
            {
                bytes.write(array, buffer.wrapAdjustment() + offset, length);
            }
            else
            {
                bytes.unsafeWrite(buffer.addressOffset() + offset, length);
            }
        }
        catch (final RuntimeException | Error e)
        {
            dc.rollbackOnClose();
            throw e;
        }
        finally
        {
            dc.close();
        }
    }

    // A reader that keeps up with a steady writer drains the store over and over; starting (and deleting) a file each
    // time would stall both. With SpillConfig's idle time, only a store that has stopped taking appends rolls.
    private boolean drainRollDue()
    {
        final long idle = config.drainRollIdleMillis();
        if (idle == 0)
        {
            return true;
        }
        final long now = config.timeProvider().currentTimeMillis();
        return now - lastAppendWallMillis >= idle || now < lastAppendWallMillis;
    }

    private boolean rollDue(final long docBytes, final long now)
    {
        return appendCycle == NO_CYCLE
            || clock.cycle() != appendCycle
            || now - cycleStartWallMillis >= cycleLengthMillis
            || currentFileBytes + docBytes > config.rollBytes()
            || appendsInCycle >= maxMessagesPerCycle - 1;
    }

    private int admit(final long docBytes, final boolean roll, final long now)
    {
        return budget.admit(usage.estimate(), usage.sparseFiles(), docBytes, roll, now);
    }

    private void onRolled(final int cycle, final long now)
    {
        appendCycle = cycle;
        highestCycle = Math.max(highestCycle, cycle);
        cycleStartWallMillis = now;
        appendsInCycle = 0;
        currentFileBytes = 0;
        usage.currentFile(cycleFiles.file(cycle));
        usage.remeasure();
        budget.refreshUsableSpace(now);
    }

    private int wallCycle(final long now)
    {
        return (int)Math.floorDiv(now - epochMillis, cycleLengthMillis);
    }

    /**
     * The cycle after the current one: the wall clock's cycle if that is later, so that file names follow the clock
     * unless the store rolls more often than once per cycle length (then they run ahead, one cycle per roll).
     */
    private int nextCycle(final long now)
    {
        return Math.max(appendCycle + 1, wallCycle(now));
    }
}
