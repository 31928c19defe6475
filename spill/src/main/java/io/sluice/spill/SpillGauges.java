package io.sluice.spill;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A store's gauges: written by its owner thread with release stores, read from any thread with acquire loads (then
 * possibly a few frames stale). One writer, so a read-modify-write by the owner needs no atomic. The owner reads them
 * through the same getters; an acquire load costs a plain load on x86.
 */
final class SpillGauges
{
    private static final VarHandle BACKLOG_MESSAGES;
    private static final VarHandle APPEND_END;
    private static final VarHandle READ_OFFSET;
    private static final VarHandle DAMAGED_SKIPPED;
    private static final VarHandle DAMAGED_BYTES;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            BACKLOG_MESSAGES = lookup.findVarHandle(SpillGauges.class, "backlogMessages", long.class);
            APPEND_END = lookup.findVarHandle(SpillGauges.class, "appendEnd", long.class);
            READ_OFFSET = lookup.findVarHandle(SpillGauges.class, "readOffset", long.class);
            DAMAGED_SKIPPED = lookup.findVarHandle(SpillGauges.class, "damagedSkipped", long.class);
            DAMAGED_BYTES = lookup.findVarHandle(SpillGauges.class, "damagedBytes", long.class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused")
    private long backlogMessages;
    @SuppressWarnings("unused")
    private long appendEnd;
    @SuppressWarnings("unused")
    private long readOffset;
    @SuppressWarnings("unused")
    private long damagedSkipped;
    @SuppressWarnings("unused")
    private long damagedBytes;

    /** @return frames appended and not yet consumed. */
    long backlogMessages()
    {
        return (long)BACKLOG_MESSAGES.getAcquire(this);
    }

    /** Owner only. */
    void backlogMessages(final long value)
    {
        BACKLOG_MESSAGES.setRelease(this, value);
    }

    /** Owner only: takes {@code frames} off the backlog, never below 0. */
    void consumeBacklog(final long frames)
    {
        backlogMessages(Math.max(0, backlogMessages() - frames));
    }

    /** @return the logical offset just past the last frame appended. */
    long appendEnd()
    {
        return (long)APPEND_END.getAcquire(this);
    }

    /** Owner only. */
    void appendEnd(final long value)
    {
        APPEND_END.setRelease(this, value);
    }

    /** @return the logical offset of the next frame to read (just past the last one consumed). */
    long readOffset()
    {
        return (long)READ_OFFSET.getAcquire(this);
    }

    /** Owner only. */
    void readOffset(final long value)
    {
        READ_OFFSET.setRelease(this, value);
    }

    /**
     * @return frame bytes appended and not yet consumed; 0 when no frame is (the offsets may disagree after damage).
     */
    long backlogBytes()
    {
        final long bytes = appendEnd() - readOffset();
        return bytes < 0 || backlogMessages() == 0 ? 0 : bytes;
    }

    /** @return frames lost to damage. */
    long damagedSkipped()
    {
        return (long)DAMAGED_SKIPPED.getAcquire(this);
    }

    /** Owner only. */
    void addDamagedSkipped(final long frames)
    {
        DAMAGED_SKIPPED.setRelease(this, damagedSkipped() + frames);
    }

    /** @return bytes of frames lost to damage. */
    long damagedBytes()
    {
        return (long)DAMAGED_BYTES.getAcquire(this);
    }

    /** Owner only. */
    void addDamagedBytes(final long bytes)
    {
        DAMAGED_BYTES.setRelease(this, damagedBytes() + bytes);
    }
}
