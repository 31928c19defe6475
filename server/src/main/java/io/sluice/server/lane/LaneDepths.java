package io.sluice.server.lane;

/**
 * What waits where in one lane, as the lane's event loop measured it (only that loop may read its tiers and its
 * channel's outbound buffer). Messages waiting are split between the tiers as exactly as the lane can tell without
 * walking them: the memory tier counts its frames, the disk tier the frames handed to it and not yet read back, and
 * the hand-off holds the rest (which includes frames read back from disk and about to be written, at most 8 chunks of
 * 64 KiB).
 *
 * @param measuredAtNanos {@link System#nanoTime()} when measured.
 * @param waitingMessages messages the lane accepted and has not written or dropped.
 * @param handoffBytes bytes in the hand-off from publishers.
 * @param handoffMessages messages waiting that are neither in the memory tier nor on disk.
 * @param memoryMessages messages in the memory tier.
 * @param memoryBytes bytes the memory tier uses.
 * @param diskMessages messages handed to the disk tier and not yet read back.
 * @param diskBytes bytes the disk tier uses on disk.
 * @param outboundBytes bytes written to the subscriber's connection that the kernel has not taken yet.
 * @param oldestTimestampNanos the timestamp (epoch nanoseconds, stamped by the publisher) of the oldest waiting
 *                             message, or 0 when nothing waits or it cannot be told.
 * @param oldestExact false when the oldest waiting message is on disk: the timestamp is then that of the first
 *                    message of the disk backlog, the oldest the disk can hold, so its age is an upper bound.
 */
public record LaneDepths(
    long measuredAtNanos,
    long waitingMessages,
    long handoffBytes,
    long handoffMessages,
    long memoryMessages,
    long memoryBytes,
    long diskMessages,
    long diskBytes,
    long outboundBytes,
    long oldestTimestampNanos,
    boolean oldestExact)
{
}
