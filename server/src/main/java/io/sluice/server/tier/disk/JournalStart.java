package io.sluice.server.tier.disk;

/**
 * Where a journaled disk tier's lane starts (see {@link AckedFloor}): an acknowledging durable subscription whose
 * every frame stays on disk until acknowledged.
 *
 * @param acked the subscription's acknowledged position: the lane's first frame is at the next one.
 * @param sent  the last position sent to it before: frames up to it are flagged as delivered again.
 */
public record JournalStart(long acked, long sent)
{
}
