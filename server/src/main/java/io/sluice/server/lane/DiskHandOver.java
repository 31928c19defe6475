package io.sluice.server.lane;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.sluice.server.tier.disk.DiskTier;
import io.sluice.server.tier.memory.MemoryTier;

/**
 * What a durable lane gives its disk tier when it stops writing to its subscriber (the relay stops, the subscriber left
 * or is stuck) and when it closes, oldest first so that the subscription's next connection gets everything in order:
 * the frames its subscriber did not acknowledge (or, without acknowledgements, those in the outbound buffer the kernel
 * has not started on), then its memory tier, to the head store; its hand-off, and any run publishers still deliver, to
 * the main store behind everything on disk.
 * <p>
 * The lane's event loop only.
 */
final class DiskHandOver
{
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DiskHandOver.class);

    private final Channel channel;
    private final String streamName;
    private final LaneHandOff handOff;
    private final WrittenCounters written;
    private final MemoryTier memory;
    private final DiskTier disk;
    private final AckWindow acks;

    /**
     * @param memory the lane's memory tier; a durable lane has one (strategy spill).
     * @param disk the lane's durable disk tier.
     * @param acks the subscriber's acknowledgement window, or null.
     */
    DiskHandOver(final Channel channel, final String streamName, final LaneHandOff handOff,
        final WrittenCounters written, final MemoryTier memory, final DiskTier disk, final AckWindow acks)
    {
        this.channel = channel;
        this.streamName = streamName;
        this.handOff = handOff;
        this.written = written;
        this.memory = memory;
        this.disk = disk;
        this.acks = acks;
    }

    /**
     * The lane stops writing to its channel: what it holds goes to disk, and from now on {@link #drainToDisk()} takes
     * the hand-off's runs there. The rest of a frame the kernel took part of is still written, so the subscriber
     * receives whole frames.
     *
     * @param why for the log line: "stopping", "detached".
     * @param stopWriting called once everything is handed over and before the outbound buffer empties: that makes the
     * channel writable, and the drain it triggers must not write.
     */
    void handOver(final String why, final Runnable stopWriting)
    {
        final UnsentFrames unsent = UnsentFrames.collect(channel);
        final boolean journalKeepsThem = handOverUnacknowledged();
        for (final ByteBuf frames : unsent.frames())
        {
            if (acks != null)
            {
                frames.release();
            }
            else
            {
                disk.handOverHead(frames);
            }
        }
        // They were counted as written when they went into the channel; they will be sent next time instead.
        written.takeBack(unsent.messages());
        final long inMemory = memory.frames();
        handMemoryOverHead();
        LOG.info("lane of {} on stream '{}' {}: {}; {} messages from memory go to disk, {} messages are on the wire",
            channel.remoteAddress(), streamName, why, whereUnsentGo(unsent, journalKeepsThem), inMemory,
            written.messages());
        stopWriting.run();
        unsent.clearAndFinish(channel);
        drainToDisk();
    }

    /**
     * After {@link #handOver}: runs go from the hand-off to disk (the spill thread wakes the lane when its hand-over
     * has room again), so a run a publisher still delivers is kept and its ACK is honest.
     */
    void drainToDisk()
    {
        ByteBuf run;
        while ((run = handOff.peek()) != null)
        {
            final int start = run.readerIndex();
            final int end = run.writerIndex();
            if (disk.offer(run, start, end, handOff.headFrames()) == start)
            {
                break;
            }
            handOff.advance(run, end);
        }
        handOff.wakeWaitersBelowResumeMark();
    }

    /**
     * The lane closes: everything accepted is kept, without bound (the disk tier takes it all: the lane's
     * configuration bounds it). Only what sits in the channel's outbound buffer is lost, unless the subscriber
     * acknowledges: then everything it did not acknowledge goes first.
     */
    void onClose()
    {
        handOverUnacknowledged();
        handMemoryOverHead();
        ByteBuf run;
        while ((run = handOff.poll()) != null)
        {
            disk.handOverTail(run);
        }
    }

    /**
     * Before the disk tier closes: an acknowledging subscription's positions, and when its subscriber left if the
     * lane stayed, detached, after that.
     *
     * @param detachedAtMillis when the lane detached, epoch millis; 0 if it did not.
     */
    void beforeDiskCloses(final long detachedAtMillis)
    {
        if (acks != null)
        {
            disk.keepPositions(acks.acked(), acks.sent());
        }
        if (detachedAtMillis > 0)
        {
            disk.idleSince(detachedAtMillis);
        }
    }

    // Everything not acknowledged, the outbound buffer's frames among them, is sent again next time: a journaled tier
    // still holds it all, from the first record not acknowledged on; any other tier takes it to a head store.
    // Returns whether the journal keeps them.
    private boolean handOverUnacknowledged()
    {
        if (acks == null)
        {
            return false;
        }
        if (disk.isJournaled() && !disk.hasFailed())
        {
            acks.releaseAll();
            return true;
        }
        acks.handOver(disk::handOverHead);
        return false;
    }

    // For the log line: what becomes of the frames the subscriber has not received, or not acknowledged.
    private String whereUnsentGo(final UnsentFrames unsent, final boolean journalKeepsThem)
    {
        final String partFrame = unsent.finishesAPartFrame() ? " (the rest of a partly sent one still goes out)" : "";
        if (acks == null)
        {
            return unsent.messages() + " messages from the outbound buffer" + partFrame + " go to disk";
        }
        return acks.unackedMessages() + " unacknowledged messages (" + unsent.messages() + " of them from the " +
            "outbound buffer" + partFrame + ") " + (journalKeepsThem ?
            "stay where they are on disk, in the journal, to be sent again next time" :
            "go to disk");
    }

    // The memory tier's frames to the head store, in chunks of 64 KiB (or one larger frame alone) that hold no more
    // than their frames: the hand-over holds no more than the tier did.
    private void handMemoryOverHead()
    {
        ByteBuf chunk;
        while ((chunk = memory.handOverChunk(channel.alloc())) != null)
        {
            disk.handOverHead(chunk);
        }
    }
}
