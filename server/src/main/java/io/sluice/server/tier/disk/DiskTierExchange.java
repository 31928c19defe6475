package io.sluice.server.tier.disk;

import io.netty.buffer.ByteBuf;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What a disk tier's two threads share, and nothing else: the bounded queues runs go to disk and restored chunks come
 * back through (one producer, one consumer each), the unbounded hand-over of a closing lane, the lifecycle
 * {@link DiskTierState}, and the figures the spill thread publishes for the lane. The lane's side is
 * {@link ChronicleDiskTier}, the spill thread's {@link DiskTierAgent}.
 */
final class DiskTierExchange
{
    static final int TO_DISK_RUNS = 64;
    static final long TO_DISK_BYTES = 4L * 1024 * 1024;
    static final int FROM_DISK_CHUNKS = 8;

    private final OneToOneConcurrentArrayQueue<ByteBuf> toDisk = new OneToOneConcurrentArrayQueue<>(TO_DISK_RUNS);
    private final AtomicLong toDiskBytes = new AtomicLong();
    private final OneToOneConcurrentArrayQueue<ByteBuf> fromDisk = new OneToOneConcurrentArrayQueue<>(FROM_DISK_CHUNKS);
    // What a closing lane hands over, oldest first: bounded by the lane's configuration, not by these queues.
    private final Queue<ByteBuf> headAtClose = new ConcurrentLinkedQueue<>();
    private final Queue<ByteBuf> tailAtClose = new ConcurrentLinkedQueue<>();
    private final AtomicReference<DiskTierState> state = new AtomicReference<>(DiskTierState.OPENING);

    private volatile long backlogBytesAtOpen;
    // Lane writes, spill thread reads: a journaled tier's acknowledged position.
    private volatile long ackedPosition = -1;
    // Written by the lane before it closes the tier (the close's hand-off publishes them); -1: none to keep.
    private long ackedAtClose = -1;
    private long sentAtClose = -1;
    // 0: the subscription is idle from the close.
    private long idleSinceAtClose;
    // Spill thread writes, lane reads: GAP bytes the tier inserted into restored chunks less bytes lost to damage, so
    // that what comes back still adds up to what went in.
    private volatile long restoreAdjustBytes;
    private volatile long diskBytes;
    // Set by the spill thread before the tier is FAILED: the chunks read back but not handed over, the lane's since.
    private volatile ArrayDeque<ByteBuf> leftovers;

    DiskTierState state()
    {
        return state.get();
    }

    /** @return whether the state was {@code from} and is now {@code to}. */
    boolean transition(final DiskTierState from, final DiskTierState to)
    {
        return state.compareAndSet(from, to);
    }

    /** Spill thread: the tier has finished (see {@link DiskTierAgent#shutdown()}). */
    void closed()
    {
        state.set(DiskTierState.CLOSED);
    }

    /**
     * Lane's event loop: the lane has closed. FAILED before the change means the lane had taken over the failed tier's
     * buffers (see {@link ChronicleDiskTier#close()}) and now hands them back with the rest.
     *
     * @return the state before.
     */
    DiskTierState laneClosed()
    {
        DiskTierState current;
        do
        {
            current = state.get();
        }
        while (!state.compareAndSet(current, current.onLaneClose()));
        return current;
    }

    /**
     * Spill thread: the disk work threw.
     *
     * @return the state before.
     */
    DiskTierState failed()
    {
        DiskTierState current;
        do
        {
            current = state.get();
        }
        while (!state.compareAndSet(current, current.onFailure()));
        return current;
    }

    OneToOneConcurrentArrayQueue<ByteBuf> toDisk()
    {
        return toDisk;
    }

    long toDiskBytes()
    {
        return toDiskBytes.get();
    }

    void addToDiskBytes(final long bytes)
    {
        toDiskBytes.addAndGet(bytes);
    }

    void clearToDiskBytes()
    {
        toDiskBytes.set(0);
    }

    OneToOneConcurrentArrayQueue<ByteBuf> fromDisk()
    {
        return fromDisk;
    }

    Queue<ByteBuf> headAtClose()
    {
        return headAtClose;
    }

    Queue<ByteBuf> tailAtClose()
    {
        return tailAtClose;
    }

    long backlogBytesAtOpen()
    {
        return backlogBytesAtOpen;
    }

    void backlogBytesAtOpen(final long bytes)
    {
        backlogBytesAtOpen = bytes;
    }

    long restoreAdjustBytes()
    {
        return restoreAdjustBytes;
    }

    /** Spill thread only (the one writer). */
    void adjustRestored(final long bytes)
    {
        restoreAdjustBytes += bytes;
    }

    long diskBytes()
    {
        return diskBytes;
    }

    void diskBytes(final long bytes)
    {
        diskBytes = bytes;
    }

    ArrayDeque<ByteBuf> leftovers()
    {
        return leftovers;
    }

    void leftovers(final ArrayDeque<ByteBuf> chunks)
    {
        leftovers = chunks;
    }

    /** Spill thread, when the tier is done: every buffer still in a queue is released. */
    void releaseAll()
    {
        release(toDisk);
        toDiskBytes.set(0);
        release(headAtClose);
        release(tailAtClose);
        release(fromDisk);
    }

    /** @return bytes released. */
    static long release(final Queue<ByteBuf> buffers)
    {
        long bytes = 0;
        ByteBuf buf;
        while ((buf = buffers.poll()) != null)
        {
            bytes += buf.readableBytes();
            buf.release();
        }
        return bytes;
    }

    /** Lane's event loop: the subscriber of a journaled tier acknowledged up to {@code position}. */
    void acknowledged(final long position)
    {
        ackedPosition = position;
    }

    /** @return the last position acknowledged, as far as the lane has told; -1 before. */
    long ackedPosition()
    {
        return ackedPosition;
    }

    /** Lane's event loop, before the close: the positions to write as the tier closes. */
    void positionsAtClose(final long acked, final long sent)
    {
        ackedAtClose = acked;
        sentAtClose = sent;
    }

    /** @return the acknowledged position to keep at close, or -1 when there are none. */
    long ackedAtClose()
    {
        return ackedAtClose;
    }

    /** @return the last position sent, to keep at close. */
    long sentAtClose()
    {
        return sentAtClose;
    }

    /** Lane's event loop, before the close: when the subscription's connection ended, if before the close. */
    void idleSinceAtClose(final long epochMillis)
    {
        idleSinceAtClose = epochMillis;
    }

    /** @return when the subscription's connection ended, or 0 for the close. */
    long idleSinceAtClose()
    {
        return idleSinceAtClose;
    }
}
