package io.sluice.server.tier.disk;

import io.sluice.spill.SpillStore;
import org.agrona.collections.LongArrayQueue;

import java.io.IOException;
import java.nio.file.Path;

import static io.sluice.server.tier.disk.DiskTierLog.WARNINGS;

/**
 * The positions of a journaled disk tier, spill thread only: an acknowledging durable subscription whose every frame
 * goes through its {@code main} store, which keeps each record until the subscriber has acknowledged all of its frames
 * (the store's acknowledged reads). So a relay crash loses nothing the tier took; what it costs is frames delivered
 * again, flagged.
 * <p>
 * Positions are the lane's (one per DATA or GAP frame delivered, protocol.md §4.3): the tier counts the frames it
 * restores, in the order the lane sends them, and notes the last position of each record it read from {@code main}.
 * When the subscriber's acknowledgements cover whole records, at most every {@link #WRITE_INTERVAL_NANOS}, the tier
 * first writes the {@link PositionsFile} (acknowledged position, and a <em>lease</em>: a position no frame sent so far
 * is beyond), then releases those records in the store with the position of the next record's first frame as its
 * tag. The file is written before the store moves, so after a crash the file's acknowledged position is never below
 * the store's: the next tier starts counting at the store's tag and skips what the file says was acknowledged.
 * <pre>
 *   main store:   | released ... | r1 | r2 | r3 | r4 ...      records (batches of frames), oldest first
 *                                  ^ kept position (tag = position of r1's first frame)
 *   positions:           acked ----^------^                  the file's acked may fall inside a record
 *   lease:                                       ^           the file's "sent": flagged up to it after a crash
 * </pre>
 * The lease is written ahead of what the tier restores ({@link #LEASE_STEP} positions at a time), so that after a
 * crash every frame that might have been sent is flagged REDELIVERED, and few that were not.
 */
final class AckedFloor
{
    static final long WRITE_INTERVAL_NANOS = 100_000_000L;
    static final long LEASE_STEP = 65_536;

    private final Path directory;
    private final long ackedAtStart;
    private final long sentAtStart;
    // Last position of each record read from main and not yet released, oldest first; grows to the window, then
    // allocates nothing.
    private final LongArrayQueue recordEnds = new LongArrayQueue();
    private long nextPosition;
    private long skipThrough;
    private long lease;
    private long writtenAcked;
    private long lastWriteNanos;
    private boolean opened;
    // The main store whose kept position carries a tag (a store started afresh has none until tagged).
    private SpillStore tagged;

    /**
     * @param ackedAtStart the position the subscription's lane starts after (its first frame is at the next one).
     * @param sentAtStart  the last position sent before, as the lane knows it.
     */
    AckedFloor(final Path directory, final long ackedAtStart, final long sentAtStart)
    {
        this.directory = directory;
        this.ackedAtStart = ackedAtStart;
        this.sentAtStart = sentAtStart;
    }

    /**
     * The stores are open: counting starts at {@code main}'s tag (its kept record's first position), or right after
     * the acknowledged position when the store has none; frames up to that position are skipped as they are read.
     */
    void open(final SpillStore main)
    {
        final long tag = main.releasedTag();
        nextPosition = tag == SpillStore.NO_TAG ? ackedAtStart + 1 : tag;
        if (nextPosition > ackedAtStart + 1)
        {
            // The store was released beyond what the lane was told: the positions cannot match; the lane's count wins.
            WARNINGS.warn("disk tier {}: its store starts at position {}, the subscription after {}; positions restart "
                + "from the subscription's", directory, nextPosition, ackedAtStart);
            nextPosition = ackedAtStart + 1;
        }
        skipThrough = ackedAtStart;
        writtenAcked = ackedAtStart;
        lease = Math.max(sentAtStart, ackedAtStart);
        opened = true;
        if (tag == SpillStore.NO_TAG)
        {
            // From now on a crash must find the positions this tier counts from; the store is tagged when first read.
            write(ackedAtStart, lease);
        }
        else
        {
            tagged = main;
        }
    }

    /**
     * Before a read from {@code main}, outside it: a store without a tag (new, or started afresh) takes the position
     * of the first frame it will deliver, so that a crash before its first release still finds its numbering.
     */
    void beforeReading(final SpillStore main)
    {
        if (main != tagged)
        {
            if (main.releasedTag() == SpillStore.NO_TAG)
            {
                main.release(0, nextPosition);
            }
            tagged = main;
        }
    }

    boolean isOpen()
    {
        return opened;
    }

    /** @return whether the next record restored may start with frames the subscriber acknowledged already. */
    boolean isSkipping()
    {
        return nextPosition <= skipThrough;
    }

    /**
     * A record of {@code frames} frames is about to be copied for the lane: how many at its start are acknowledged
     * already (they are counted, not delivered).
     */
    int framesToSkip(final int frames)
    {
        final long skip = Math.min(frames, Math.max(0, skipThrough - nextPosition + 1));
        nextPosition += skip;
        return (int)skip;
    }

    /**
     * After {@link #framesToSkip}: the record's other frames, and any GAP frames written before them, went to the lane.
     *
     * @param fromMain whether the record came from {@code main} (a head store's records are not kept until acked).
     */
    void restored(final int framesDelivered, final boolean fromMain)
    {
        nextPosition += framesDelivered;
        if (fromMain)
        {
            recordEnds.addLong(nextPosition - 1);
        }
    }

    /**
     * After a read and before its chunks go to the lane: moves the lease ahead of them when they reach it.
     */
    void leaseAhead()
    {
        final long ahead = nextPosition - 1 + LEASE_STEP;
        if (nextPosition - 1 > lease && write(writtenAcked, ahead))
        {
            lease = ahead;
        }
    }

    /**
     * The subscriber acknowledged up to {@code acked}: once per interval, the records it covers are released in the
     * store, after the file.
     */
    void release(final SpillStore main, final long acked, final long nowNanos)
    {
        if (acked <= writtenAcked || recordEnds.isEmpty() || recordEnds.peekLong() > acked ||
            nowNanos - lastWriteNanos < WRITE_INTERVAL_NANOS)
        {
            return;
        }
        lastWriteNanos = nowNanos;
        releaseThrough(main, acked, lease);
    }

    /**
     * The lane has closed: the exact positions it ended with, and the records they cover released. {@code sent} beyond
     * the lease would be a fault; the larger is written.
     */
    void close(final SpillStore main, final long acked, final long sent)
    {
        if (acked < 0)
        {
            return;
        }
        releaseThrough(main, Math.max(acked, writtenAcked), Math.max(sent, acked));
    }

    private void releaseThrough(final SpillStore main, final long acked, final long sent)
    {
        // Never release past what the file says: after a crash the file must not be behind the store.
        if (!write(acked, sent))
        {
            return;
        }
        int records = 0;
        long lastEnd = 0;
        while (!recordEnds.isEmpty() && recordEnds.peekLong() <= acked)
        {
            lastEnd = recordEnds.pollLong();
            records++;
        }
        if (records > 0)
        {
            main.release(records, lastEnd + 1);
        }
    }

    private boolean write(final long acked, final long sent)
    {
        try
        {
            PositionsFile.write(directory, acked, sent);
            writtenAcked = acked;
            return true;
        }
        catch (final IOException | RuntimeException ex)
        {
            WARNINGS.warn("disk tier {}: cannot keep its acknowledged positions: {}", directory, ex.toString());
            return false;
        }
    }
}
