package io.sluice.server.lane;

import io.netty.buffer.ByteBuf;
import io.sluice.server.tier.disk.DiskTier;

import java.util.ArrayList;
import java.util.List;

/**
 * A disk tier with no room that keeps what a lane hands over, for the test to look at and {@link #release()}: empty
 * (nothing on disk) or still opening (it cannot yet say whether a backlog is there).
 */
final class FakeDiskTier implements DiskTier
{
    final List<ByteBuf> head = new ArrayList<>();
    final List<ByteBuf> tail = new ArrayList<>();
    int polls;
    private final boolean durable;
    private final boolean empty;

    /**
     * @param durable whether it is a durable subscription's.
     * @param empty true for a tier with nothing on disk, false for one still opening.
     */
    FakeDiskTier(final boolean durable, final boolean empty)
    {
        this.durable = durable;
        this.empty = empty;
    }

    @Override
    public boolean hasRoom()
    {
        return false;
    }

    @Override
    public boolean isFull()
    {
        return false;
    }

    @Override
    public int offer(final ByteBuf run, final int from, final int to, final int frames)
    {
        return from;
    }

    @Override
    public ByteBuf pollRestored()
    {
        polls++;
        return null;
    }

    @Override
    public boolean isEmpty()
    {
        return empty;
    }

    @Override
    public long diskBytes()
    {
        return 0;
    }

    @Override
    public long spilled()
    {
        return 0;
    }

    @Override
    public long restored()
    {
        return 0;
    }

    @Override
    public boolean isDurable()
    {
        return durable;
    }

    @Override
    public void handOverHead(final ByteBuf olderFrames)
    {
        head.add(olderFrames);
    }

    @Override
    public void handOverTail(final ByteBuf newerFrames)
    {
        tail.add(newerFrames);
    }

    @Override
    public void close()
    {
    }

    /** Releases what was handed over. */
    void release()
    {
        head.forEach(ByteBuf::release);
        tail.forEach(ByteBuf::release);
        head.clear();
        tail.clear();
    }
}
