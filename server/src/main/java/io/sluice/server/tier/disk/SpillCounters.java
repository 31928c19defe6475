package io.sluice.server.tier.disk;

import java.util.concurrent.atomic.LongAdder;

/**
 * What the relay's disk tiers could not do, counted over the relay's life (the lanes that suffered it may be gone by
 * the time anyone looks): tiers that failed, bytes they could not keep, and bytes lost to damaged spill files. Any
 * thread.
 */
public final class SpillCounters
{
    private final LongAdder failures = new LongAdder();
    private final LongAdder lostBytes = new LongAdder();
    private final LongAdder damagedBytes = new LongAdder();
    private final LongAdder damagedMessages = new LongAdder();
    private final LongAdder inactiveDeleted = new LongAdder();
    private final LongAdder inactiveDeletedBytes = new LongAdder();

    void onFailure()
    {
        failures.increment();
    }

    void onLost(final long bytes)
    {
        lostBytes.add(bytes);
    }

    void onDamaged(final long bytes)
    {
        damagedBytes.add(bytes);
    }

    void onDamagedMessagesAnnounced(final long messages)
    {
        damagedMessages.add(messages);
    }

    void onInactiveDeleted(final long backlogBytes)
    {
        inactiveDeleted.increment();
        inactiveDeletedBytes.add(Math.max(0, backlogBytes));
    }

    /** @return durable subscriptions deleted after going {@code inactive-after} without a connection. */
    public long inactiveDeleted()
    {
        return inactiveDeleted.sum();
    }

    /**
     * @return bytes of messages those subscriptions held, as their tiers recorded at their last close (nothing for one
     * whose last connection ended with the relay stopping abruptly).
     */
    public long inactiveDeletedBytes()
    {
        return inactiveDeletedBytes.sum();
    }

    /** @return disk tiers that failed (an I/O error or a fault on the spill thread) since start. */
    public long failures()
    {
        return failures.sum();
    }

    /**
     * @return bytes of accepted messages a disk tier could neither keep nor deliver: a durable lane's hand-over at
     * close refused for want of free space or because its tier had failed, and the backlog of a failed tier without a
     * durable name.
     */
    public long lostBytes()
    {
        return lostBytes.sum();
    }

    /** @return bytes of messages lost to damaged spill files, exact (from the byte offsets the records carry). */
    public long damagedBytes()
    {
        return damagedBytes.sum();
    }

    /**
     * @return messages lost to damaged spill files that were announced to subscribers in GAP frames: those of a source
     * whose last message before the damage this relay had delivered, so that it knows the range.
     */
    public long damagedMessages()
    {
        return damagedMessages.sum();
    }
}
