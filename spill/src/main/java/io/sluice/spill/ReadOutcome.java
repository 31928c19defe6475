package io.sluice.spill;

/**
 * What one step of a {@link SpillReader} came to: the read loop goes on after {@link #DELIVERED} and {@link #SKIPPED}
 * and stops at the others.
 */
enum ReadOutcome
{
    /** A frame went to the handler and was consumed. */
    DELIVERED,

    /** Damage was passed over (a record, or the rest of a file); nothing delivered, the reader moved on. */
    SKIPPED,

    /** Nothing more to read now (or damage the reader cannot get past: no later file). */
    EMPTY,

    /** The next frame would take the call past its byte limit; it stays first. */
    NO_ROOM
}
