package io.sluice.server.tier.disk;

import io.netty.buffer.ByteBuf;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.Frames;
import org.agrona.collections.Int2ObjectHashMap;

/**
 * The {@link AppendWatch}es of one journaled disk tier, by the source id of the publisher they watch for. Publishers
 * join and leave rarely, so the map is copied on each change and the spill thread reads it through one volatile
 * field without a lock or an allocation per run. Once the tier has finished, a watch registered late is finished
 * at once.
 */
final class AppendWatches
{
    private volatile Int2ObjectHashMap<AppendWatch> bySource = new Int2ObjectHashMap<>();
    private boolean finished;

    /** Publisher's event loop, before its first offer to the lane. */
    synchronized void register(final int sourceId, final AppendWatch watch)
    {
        if (finished)
        {
            watch.finished();
            return;
        }
        final Int2ObjectHashMap<AppendWatch> next = new Int2ObjectHashMap<>(bySource);
        next.put(sourceId, watch);
        bySource = next;
    }

    /** Publisher's event loop, as its connection ends; a later connection's watch for the same source stays. */
    synchronized void unregister(final int sourceId, final AppendWatch watch)
    {
        if (bySource.get(sourceId) == watch)
        {
            final Int2ObjectHashMap<AppendWatch> next = new Int2ObjectHashMap<>(bySource);
            next.remove(sourceId);
            bySource = next;
        }
    }

    /**
     * Spill thread: the frames {@code [from, to)} of {@code run}, one publisher's, are on disk: its watch learns the
     * sequence of the last of them.
     */
    void onAppended(final ByteBuf run, final int from, final int to)
    {
        final Int2ObjectHashMap<AppendWatch> watches = bySource;
        if (watches.isEmpty() || to - from < FrameDescriptor.HEADER_LENGTH)
        {
            return;
        }
        final AppendWatch watch = watches.get(run.getInt(from + FrameDescriptor.SOURCE_ID_OFFSET));
        if (watch != null)
        {
            watch.appended(run.getLong(lastFrame(run, from, to) + FrameDescriptor.SEQUENCE_OFFSET));
        }
    }

    /** Spill thread: the tier has finished; every publisher waiting on it goes on. */
    synchronized void finishAll()
    {
        finished = true;
        bySource.values().forEach(AppendWatch::finished);
        bySource = new Int2ObjectHashMap<>();
    }

    private static int lastFrame(final ByteBuf run, final int from, final int to)
    {
        int at = from;
        int next;
        while ((next = at + Frames.frameLength(run, at)) < to && next > at)
        {
            at = next;
        }
        return at;
    }
}
