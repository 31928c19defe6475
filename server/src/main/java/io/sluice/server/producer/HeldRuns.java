package io.sluice.server.producer;

import io.netty.buffer.ByteBuf;
import io.sluice.core.netty.ByteBufView;
import io.sluice.core.protocol.Header;
import io.sluice.server.counters.RelayCounters;
import org.agrona.DirectBuffer;

import java.util.ArrayDeque;

/**
 * Runs a publisher sent after a lane refused an earlier one: they were already read when reading stopped, and wait
 * in order behind the blocked run (at most {@code maxReadsPerLoop} reads' worth). Their bytes count as held in the
 * relay's metrics while they wait.
 * <p>
 * Publisher's event loop only. A held run was checked when it was read; it is counted again when it leaves rather
 * than keep its count beside it (a rare path).
 */
final class HeldRuns
{
    private final ArrayDeque<ByteBuf> runs = new ArrayDeque<>();
    private final RelayCounters counters;
    private final ByteBufView view = new ByteBufView();
    private final Header header = new Header();
    private int polledMessages;
    private long polledLastSequence;

    HeldRuns(final RelayCounters counters)
    {
        this.counters = counters;
    }

    /** Keeps a run, which this now owns. */
    void add(final ByteBuf run)
    {
        runs.add(run);
        counters.onHeldBytes(run.readableBytes());
    }

    boolean isEmpty()
    {
        return runs.isEmpty();
    }

    /**
     * @return the oldest held run, owned by the caller and no longer counted as held, or null when none; its frames
     * and last sequence are then {@link #polledMessages()} and {@link #polledLastSequence()}.
     */
    ByteBuf poll()
    {
        final ByteBuf run = runs.poll();
        if (run == null)
        {
            return null;
        }
        counters.onHeldBytes(-run.readableBytes());
        final DirectBuffer frames = view.wrap(run);
        final int end = run.writerIndex();
        int messages = 0;
        int lastIndex = run.readerIndex();
        for (int index = lastIndex; index < end; index += header.wrap(frames, index).frameLength())
        {
            lastIndex = index;
            messages++;
        }
        polledMessages = messages;
        polledLastSequence = header.wrap(frames, lastIndex).sequence();
        return run;
    }

    /** @return the number of frames in the run last returned by {@link #poll()}. */
    int polledMessages()
    {
        return polledMessages;
    }

    /** @return the sequence of the last frame in the run last returned by {@link #poll()}. */
    long polledLastSequence()
    {
        return polledLastSequence;
    }

    /**
     * Releases every held run: the connection is gone.
     *
     * @return the messages they held, which no lane took.
     */
    long releaseAll()
    {
        long messages = 0;
        ByteBuf run;
        while ((run = poll()) != null)
        {
            messages += polledMessages;
            run.release();
        }
        return messages;
    }
}
