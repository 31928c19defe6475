package io.sluice.server.tier.disk;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.sluice.core.netty.ByteBufView;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.util.EpochClock;
import io.sluice.spill.FrameHandler;
import io.sluice.spill.SpillStore;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.LongLongConsumer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Queue;

/**
 * Chunks of frames read back for the lane, spill thread only: records are copied into chunks of {@link #CHUNK_BYTES}
 * (a larger record gets a chunk of its own size), which wait here until the lane's bounded queue has room, in order.
 * One chunk is read at a time and only once everything ready was handed over, so that the chunks in flight stay the
 * queue's capacity plus one.
 * <p>
 * <b>Damage.</b> The chunks note the last sequence restored of each source; when the stores report bytes lost before
 * the record being read, a GAP frame (reason {@link DiskTier#DAMAGE_GAP_REASON}) goes before the next frame of each
 * source whose sequences jump, covering the lost range. A source whose last frame before the damage was not restored
 * here (damage in the first records after a restart) has no known range; the bytes still count.
 */
final class RestoredChunks
{
    static final int CHUNK_BYTES = 64 * 1024;
    private static final int GAP_FRAME_LENGTH = FrameDescriptor.HEADER_LENGTH + Frames.GAP_PAYLOAD_LENGTH;

    private final ByteBufAllocator alloc;
    private final SpillCounters counters;
    private final DiskTierExchange exchange;
    private final ArrayDeque<ByteBuf> ready = new ArrayDeque<>();
    private final ByteBufView restoreView = new ByteBufView();
    private final ByteBufView runView = new ByteBufView();
    private final UnsafeBuffer scratchView = new UnsafeBuffer(0, 0);
    private byte[] runScratch;
    // Damage: the last sequence restored per source, and the first sequence lost per source after damage.
    private final Long2LongHashMap lastSequence = new Long2LongHashMap(-1);
    private final Long2LongHashMap lostFrom = new Long2LongHashMap(-1);
    private final LongLongConsumer markLost = (source, last) -> lostFrom.put(source, last + 1);
    private final FrameHandler copier = this::copyRestored;
    private final DiskTierStores stores;
    /** Null unless the tier is journaled. */
    private final AckedFloor floor;
    private long damageSeen;
    private ByteBuf restoring;
    private boolean readingMain;
    // Frames the last copy wrote: the record's, and GAP frames announcing damage before them.
    private int framesCopied;

    /**
     * @param floor a journaled tier's positions, which learn of every record restored; null otherwise.
     */
    RestoredChunks(
        final ByteBufAllocator alloc, final SpillCounters counters, final DiskTierExchange exchange,
        final DiskTierStores stores, final AckedFloor floor)
    {
        this.floor = floor;
        this.alloc = alloc;
        this.stores = stores;
        this.counters = counters;
        this.exchange = exchange;
    }

    /** @return whether no chunk waits for the lane. */
    boolean isEmpty()
    {
        return ready.isEmpty();
    }

    /** @return the chunks waiting, oldest first: a failed tier's leftovers, or part of a closing lane's head store. */
    ArrayDeque<ByteBuf> ready()
    {
        return ready;
    }

    /**
     * Hands what is ready to the lane, in order, as far as its queue has room.
     *
     * @return whether everything ready was handed over.
     */
    boolean handOver(final Queue<ByteBuf> toLane, final Runnable wakeLane)
    {
        ByteBuf chunk;
        while ((chunk = ready.peek()) != null && toLane.offer(chunk))
        {
            ready.poll();
            wakeLane.run();
        }
        return ready.isEmpty();
    }

    /**
     * Reads one chunk's worth of records (a batch fills it alone; single-frame records of earlier versions take
     * hundreds) from {@code source}, a head or the main store.
     *
     * @return records read.
     */
    int readFrom(final SpillStore source)
    {
        readingMain = source == stores.main();
        if (floor != null && readingMain)
        {
            floor.beforeReading(source);
        }
        restoring = alloc.directBuffer(CHUNK_BYTES);
        final int read = source.read(copier, Integer.MAX_VALUE, CHUNK_BYTES);
        // Damage at the end of a store has no record after it: count it now.
        checkDamage();
        finishChunk();
        leaseAhead();
        return read;
    }

    /**
     * A read that finds the store empty is what lets it start a new file and delete the drained one: a store that
     * seems drained is read once more, and whatever that read delivers (never expected) is kept all the same.
     */
    void readDrained(final SpillStore store)
    {
        readingMain = store == stores.main();
        if (floor != null && readingMain)
        {
            floor.beforeReading(store);
        }
        restoring = alloc.directBuffer(CHUNK_BYTES);
        store.read(copier, 1);
        finishChunk();
        leaseAhead();
    }

    /**
     * A run the store refused, with nothing stored ahead of it, goes back to the lane as a chunk of its own: a lane
     * whose disk cannot take anything still delivers, in order, what it accepted. The caller releases the run.
     */
    void passThrough(final ByteBuf run)
    {
        final int bytes = run.readableBytes();
        final DirectBuffer frames;
        final int offset;
        if (ByteBufView.wrapsInPlace(run))
        {
            frames = runView.wrap(run);
            offset = run.readerIndex();
        }
        else
        {
            if (runScratch == null || runScratch.length < bytes)
            {
                runScratch = new byte[Math.max(bytes, CHUNK_BYTES)];
            }
            run.getBytes(run.readerIndex(), runScratch, 0, bytes);
            scratchView.wrap(runScratch, 0, bytes);
            frames = scratchView;
            offset = 0;
        }
        restoring = alloc.directBuffer(bytes);
        copyFrames(frames, offset, bytes);
        ready.add(restoring);
        restoring = null;
    }

    // Before the chunks read go to the lane, the positions they reach are within the lease a crash would flag.
    private void leaseAhead()
    {
        if (floor != null)
        {
            floor.leaseAhead();
        }
    }

    /** The disk work threw: records already copied into the chunk being filled are consumed in the store. */
    void keepPartialChunk()
    {
        if (restoring != null)
        {
            finishChunk();
        }
    }

    void releaseAll()
    {
        DiskTierExchange.release(ready);
        if (restoring != null)
        {
            restoring.release();
            restoring = null;
        }
    }

    private void finishChunk()
    {
        if (restoring.isReadable())
        {
            ready.add(restoring);
        }
        else
        {
            restoring.release();
        }
        restoring = null;
    }

    // A record (whole frames) that does not fit the chunk being filled starts a chunk of its own size. A journaled
    // tier's frames the subscriber acknowledged already are counted and left out.
    private void copyRestored(final DirectBuffer buffer, final int offset, final int length)
    {
        // Bytes the store counted as lost were before this record.
        checkDamage();
        int from = offset;
        // Only the first records after an open hold acknowledged frames: the rest are copied without a walk of theirs.
        if (floor != null && floor.isSkipping())
        {
            from = skipFrames(buffer, offset, offset + length, floor.framesToSkip(countFrames(buffer, offset, length)));
            // Skipped bytes never reach the lane: what comes back still adds up to what went in.
            exchange.adjustRestored(-(from - offset));
        }
        final int end = offset + length;
        if (from < end)
        {
            if (restoring.writableBytes() < end - from)
            {
                if (restoring.isReadable())
                {
                    ready.add(restoring);
                }
                else
                {
                    restoring.release();
                }
                restoring = alloc.directBuffer(Math.max(CHUNK_BYTES, end - from));
            }
            copyFrames(buffer, from, end - from);
        }
        else
        {
            framesCopied = 0;
        }
        if (floor != null)
        {
            floor.restored(framesCopied, readingMain);
        }
    }

    private static int countFrames(final DirectBuffer buffer, final int offset, final int length)
    {
        final int end = offset + length;
        int frames = 0;
        for (int i = offset; i < end; frames++)
        {
            final int frameLength = buffer.getInt(i + FrameDescriptor.LENGTH_OFFSET, ByteOrder.BIG_ENDIAN);
            if (frameLength < FrameDescriptor.HEADER_LENGTH)
            {
                break;
            }
            i += frameLength;
        }
        return frames;
    }

    private static int skipFrames(final DirectBuffer buffer, final int offset, final int end, final int frames)
    {
        int at = offset;
        for (int skipped = 0; skipped < frames && at < end; skipped++)
        {
            at += buffer.getInt(at + FrameDescriptor.LENGTH_OFFSET, ByteOrder.BIG_ENDIAN);
        }
        return Math.min(at, end);
    }

    /**
     * Copies whole frames into the chunk being filled, noting the last sequence of each source, and after damage
     * writing a GAP before the first frame of a source whose sequences jump. No allocation; the walk reads three fields
     * per frame and touches the map only where the source changes.
     */
    private void copyFrames(final DirectBuffer buffer, final int offset, final int length)
    {
        restoring.ensureWritable(length + lostFrom.size() * GAP_FRAME_LENGTH);
        final int end = offset + length;
        int frames = 0;
        int copied = offset;
        long runSource = Long.MIN_VALUE;
        long runLast = -1;
        for (int i = offset; i < end; )
        {
            final int frameLength = buffer.getInt(i + FrameDescriptor.LENGTH_OFFSET, ByteOrder.BIG_ENDIAN);
            if (frameLength < FrameDescriptor.HEADER_LENGTH || frameLength > end - i)
            {
                // Not whole frames (never written so): copied as they are, without a walk.
                break;
            }
            final long source = buffer.getInt(i + FrameDescriptor.SOURCE_ID_OFFSET, ByteOrder.BIG_ENDIAN);
            final long sequence = buffer.getLong(i + FrameDescriptor.SEQUENCE_OFFSET, ByteOrder.BIG_ENDIAN);
            if (source != runSource)
            {
                if (runSource != Long.MIN_VALUE)
                {
                    lastSequence.put(runSource, runLast);
                }
                runSource = source;
                if (!lostFrom.isEmpty())
                {
                    final long from = lostFrom.remove(source);
                    if (from >= 0 && sequence > from)
                    {
                        copyBytes(buffer, copied, i - copied);
                        copied = i;
                        announceLost(buffer.getInt(i + FrameDescriptor.STREAM_ID_OFFSET, ByteOrder.BIG_ENDIAN),
                            (int)source, from, sequence - 1);
                        frames++;
                    }
                }
            }
            runLast = buffer.getByte(i + FrameDescriptor.TYPE_OFFSET) == FrameType.GAP ?
                buffer.getLong(i + FrameDescriptor.GAP_TO_SEQUENCE_OFFSET, ByteOrder.BIG_ENDIAN) : sequence;
            i += frameLength;
            frames++;
        }
        if (runSource != Long.MIN_VALUE)
        {
            lastSequence.put(runSource, runLast);
        }
        copyBytes(buffer, copied, end - copied);
        framesCopied = frames;
    }

    private void copyBytes(final DirectBuffer buffer, final int offset, final int length)
    {
        final int at = restoring.writerIndex();
        buffer.getBytes(offset, restoreView.wrap(restoring), at, length);
        restoring.writerIndex(at + length);
    }

    private void announceLost(final int streamId, final int source, final long from, final long to)
    {
        Frames.writeGap(restoring, streamId, source, from, to, to - from + 1, DiskTier.DAMAGE_GAP_REASON,
            EpochClock.nanos());
        exchange.adjustRestored(GAP_FRAME_LENGTH);
        counters.onDamagedMessagesAnnounced(to - from + 1);
    }

    // The stores count bytes lost to damage as their reader passes it: every source restored so far may have lost
    // frames there, from the one after its last restored on.
    private void checkDamage()
    {
        final long damage = stores.damagedBytes();
        if (damage > damageSeen)
        {
            final long lost = damage - damageSeen;
            damageSeen = damage;
            counters.onDamaged(lost);
            exchange.adjustRestored(-lost);
            lastSequence.forEachLong(markLost);
        }
    }
}
