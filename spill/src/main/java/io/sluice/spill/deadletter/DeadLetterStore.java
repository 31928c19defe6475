package io.sluice.spill.deadletter;

import io.netty.buffer.ByteBuf;
import io.sluice.core.util.EpochClock;
import io.sluice.spill.SpillConfig;
import io.sluice.spill.SpillStore;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import org.agrona.concurrent.Agent;

import static io.sluice.spill.deadletter.DeadLetterDescriptor.*;

/**
 * The relay's dead-letter store: messages its lanes dropped, kept on disk within a byte quota of their own so that an
 * operator can list and replay them ({@code sluice dead-letter list|replay}). One store per relay holds every stream's
 * dead letters; each record names its stream (layout: {@link DeadLetterDescriptor}).
 *
 * <h2>Two sides, two kinds of thread</h2>
 * <ul>
 *   <li><b>Hand-off</b>: {@link #offer} may be called from any thread, concurrently (each Netty event loop whose lane
 *       drops). It copies each frame, with its stream, reason and drop time, into a bounded Agrona many-to-one ring and
 *       returns at once ({@link DeadLetterHandOff}). It never blocks, never allocates, never touches the disk.</li>
 *   <li><b>Disk</b>: {@link #drain(int)} moves records from the ring into a {@link SpillStore} (Chronicle Queue),
 *       through {@link DeadLetterDisk}, and
 *       must always be called from one thread, the relay's spill thread: the first call opens the store on the
 *       calling thread, which then owns it. {@link #close()} must come from that thread too (or from any thread if
 *       {@code drain} was never called). The store is also an Agrona {@link Agent}: {@link #doWork()} drains,
 *       {@link #onClose()} closes, so a duty loop can run it.</li>
 * </ul>
 *
 * <h2>Accounting</h2>
 * Every frame offered ends up in exactly one of {@link #written()} (on disk) or {@link #refused()} (not dead-lettered);
 * until the spill thread has drained it, it is in neither (see {@link #pendingBytes()}). A refused message is still a
 * dropped message for the relay's own accounting; refused only means it was not kept. A frame is refused when:
 * <ul>
 *   <li>the ring has no room for it, or it is larger than the ring's largest message (an eighth of the ring), or the
 *       store is closed: counted in {@link #refusedFull()};</li>
 *   <li>the quota is reached, the file system's free space would fall below the margin (a full disk under a mapped
 *       file kills the JVM with SIGBUS, so the margin is checked before every append), the store could not be opened,
 *       or the disk write failed: counted in {@link #refusedDisk()}.</li>
 * </ul>
 * Nothing is ever deleted by the relay: once the quota is reached, later dead letters are refused until an operator
 * clears the directory (with the relay stopped). Readers use {@link DeadLetterReader}, which does not consume.
 * Offers racing with {@link #close()} may be counted in neither column: only at relay shutdown.
 */
public final class DeadLetterStore implements Agent, AutoCloseable
{
    /** Default hand-off ring: 4 MiB, so records up to 512 KiB (an eighth) fit. */
    public static final int DEFAULT_RING_BYTES = 4 << 20;

    /** Smallest ring: 64 KiB. */
    public static final int MIN_RING_BYTES = 64 << 10;

    /**
     * Roll cycle of a dead-letter store unless its config names another than {@link SpillConfig#DEFAULT_ROLL_CYCLE}:
     * daily files. Time-based rolls exist so that a spill tier can delete consumed data; nothing is consumed here,
     * and each cycle file costs its header and index pages (tens of KiB), so a trickle of drops would spend more quota
     * on five-minute files' headers than on dead letters. Size rolls ({@link SpillConfig#rollBytes()}) still apply.
     */
    public static final RollCycle ROLL_CYCLE = RollCycles.FAST_DAILY;

    /** Records {@link #doWork()} appends per call, so that one busy store cannot starve the thread's other work. */
    public static final int DEFAULT_DRAIN_LIMIT = 1024;

    private final SpillConfig storeConfig;
    private final int maxFrameLength;
    private final DeadLetterHandOff handOff;
    private final DeadLetterDisk disk;

    /**
     * Creates the store's hand-off ring; no file is touched until the first {@link #drain(int)}. Any thread.
     *
     * @param config    the store's directory, quota and free-space margin; its {@link SpillConfig#maxFrameLength()} is
     *                  the largest <em>frame</em> to keep (the relay's {@code max-frame-length}): the record overhead
     *                  ({@link DeadLetterDescriptor#MAX_OVERHEAD}) is added here.
     * @param ringBytes hand-off ring capacity: a power of two of at least {@link #MIN_RING_BYTES}, allocated once,
     *                  off-heap. Records larger than an eighth of it are refused.
     * @return the store.
     * @throws IllegalArgumentException if {@code ringBytes} is not a power of two of at least {@link #MIN_RING_BYTES}.
     */
    public static DeadLetterStore create(final SpillConfig config, final int ringBytes)
    {
        return new DeadLetterStore(config, ringBytes);
    }

    /**
     * {@link #create(SpillConfig, int)} with a {@link #DEFAULT_RING_BYTES} ring.
     *
     * @param config directory, quota, free-space margin and largest frame.
     * @return the store.
     */
    public static DeadLetterStore create(final SpillConfig config)
    {
        return new DeadLetterStore(config, DEFAULT_RING_BYTES);
    }

    private DeadLetterStore(final SpillConfig config, final int ringBytes)
    {
        this.handOff = new DeadLetterHandOff(ringBytes, config.maxFrameLength());
        this.maxFrameLength = config.maxFrameLength();
        final SpillConfig withCycle = config.rollCycle() == SpillConfig.DEFAULT_ROLL_CYCLE
            ? config.withRollCycle(ROLL_CYCLE) : config;
        this.storeConfig = withCycle.withMaxFrameLength(config.maxFrameLength() + MAX_OVERHEAD);
        this.disk = new DeadLetterDisk(storeConfig);
    }

    /**
     * Hands dropped frames over for the disk, stamped with the current time ({@code EpochClock}). See
     * {@link #offer(CharSequence, int, long, ByteBuf, int, int)}.
     *
     * @param stream stream name.
     * @param reason drop reason code.
     * @param frames holds the frames.
     * @param index  first byte of the first frame.
     * @param length bytes of whole frames.
     * @return frames accepted.
     */
    public int offer(
        final CharSequence stream, final int reason, final ByteBuf frames, final int index, final int length)
    {
        return offer(stream, reason, EpochClock.nanos(), frames, index, length);
    }

    /**
     * Hands dropped frames over for the disk: each whole frame in {@code [index, index + length)} is copied into the
     * ring as one record. Any thread, concurrently; never blocks; no allocation. Neither the buffer's indexes nor its
     * reference count change: the caller still owns and releases it.
     *
     * @param stream        the stream's name (1..255 ASCII characters, as in HELLO).
     * @param reason        the drop reason code ({@link DeadLetterDescriptor#REASON_DROP_NEWEST}...).
     * @param dropTimeNanos when the relay dropped them, epoch nanoseconds.
     * @param frames        holds the frames (a run: one or more frames back to back).
     * @param index         first byte of the first frame.
     * @param length        bytes of whole frames.
     * @return frames accepted into the ring; the others were counted in {@link #refusedFull()}.
     * @throws IllegalArgumentException  if the stream name's length is not 1..255, or the range does not hold whole
     *                                   frames (nothing is handed over then).
     * @throws IndexOutOfBoundsException if the range is outside {@code frames}.
     */
    public int offer(
        final CharSequence stream,
        final int reason,
        final long dropTimeNanos,
        final ByteBuf frames,
        final int index,
        final int length)
    {
        return handOff.offer(stream, reason, dropTimeNanos, frames, index, length);
    }

    /**
     * Appends up to {@code limit} handed-over records to the disk store, oldest first. The first call opens the store
     * on the calling thread, which owns it from then on; a store that cannot be opened is logged once and every record
     * is refused from then on. Never throws for a full quota or disk: those records are refused and counted.
     *
     * @param limit most records to take from the ring.
     * @return records taken (written or refused).
     * @throws IllegalStateException if called from a thread other than the one that opened the store.
     */
    public int drain(final int limit)
    {
        if (!disk.openTried())
        {
            if (handOff.pendingBytes() == 0)
            {
                return 0; // nothing dropped yet: no files until there is something to keep
            }
            try
            {
                open();
            }
            catch (final RuntimeException e)
            {
                // Logged by open(); from now on every record is taken from the ring and refused, so that the
                // accounting stays exact and the event loops see a ring with room rather than a stuck one.
            }
        }
        else
        {
            disk.checkOwner();
        }
        return handOff.read(disk, limit);
    }

    /**
     * Opens the disk store now on the calling thread, which then owns it (so that open errors, such as a directory
     * another relay holds, surface at once rather than at the first drop). Optional: {@link #drain(int)} opens it when
     * needed. Idempotent.
     *
     * @throws IllegalStateException if the directory is held by another store, in this or another process.
     * @throws java.io.UncheckedIOException if it cannot be created or locked.
     */
    public void open()
    {
        disk.open();
    }

    /**
     * Agent duty: {@link #drain(int) drain(DEFAULT_DRAIN_LIMIT)}.
     *
     * @return records taken.
     */
    @Override
    public int doWork()
    {
        return drain(DEFAULT_DRAIN_LIMIT);
    }

    /** Agent duty: {@link #close()}. */
    @Override
    public void onClose()
    {
        close();
    }

    @Override
    public String roleName()
    {
        return "sluice-dead-letter";
    }

    /**
     * Refuses further offers, appends everything already handed over, and closes the disk store. From the thread that
     * drains (or any thread if nothing was ever drained). Idempotent.
     *
     * @throws IllegalStateException if called from a thread other than the one that opened the store.
     */
    @Override
    public void close()
    {
        if (handOff.isClosed())
        {
            return;
        }
        disk.checkOwner();
        handOff.close();
        while (drain(DEFAULT_DRAIN_LIMIT) > 0)
        {
            // append what was handed over before the close
        }
        disk.close();
    }

    /** @return records appended to disk since this store was created. */
    public long written()
    {
        return disk.written();
    }

    /** @return frames not kept: {@link #refusedFull()} + {@link #refusedDisk()}. */
    public long refused()
    {
        return refusedFull() + refusedDisk();
    }

    /** @return frames refused at the hand-off: ring full, frame too large for the ring, or store closed. */
    public long refusedFull()
    {
        return handOff.refusedFull();
    }

    /** @return records refused by the disk: quota reached, free space below the margin, store unusable. */
    public long refusedDisk()
    {
        return disk.refused();
    }

    /** @return bytes handed over and not yet drained (record headers included). */
    public long pendingBytes()
    {
        return handOff.pendingBytes();
    }

    /** @return records on disk, including earlier runs' (0 before the store is opened). */
    public long storedMessages()
    {
        return disk.storedMessages();
    }

    /** @return allocated bytes of the store's files (0 before it is opened); a few system calls, for monitoring. */
    public long diskBytes()
    {
        return disk.diskBytes();
    }

    /** @return the largest frame kept; larger ones are refused. */
    public int maxFrameLength()
    {
        return Math.min(maxFrameLength,
            handOff.maxRecordLength() - DeadLetterDescriptor.frameOffset(MAX_STREAM_LENGTH));
    }

    /** @return the settings of the disk store (its frame limit includes the record overhead). */
    public SpillConfig storeConfig()
    {
        return storeConfig;
    }

    @Override
    public String toString()
    {
        return "DeadLetterStore{" + storeConfig.directory() + ", written=" + written()
            + ", refusedFull=" + refusedFull()
            + ", refusedDisk=" + refusedDisk() + '}';
    }
}
