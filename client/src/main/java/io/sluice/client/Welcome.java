package io.sluice.client;

/**
 * What the relay's WELCOME said.
 *
 * @param streamId id of the stream, to stamp into DATA frames.
 * @param sourceId id of this publisher (0 for subscribers).
 * @param heartbeatIntervalMs relay's heartbeat interval.
 * @param heartbeatTimeoutMs relay's heartbeat timeout.
 * @param maxFrameLength largest frame the relay accepts.
 */
record Welcome(int streamId, int sourceId, int heartbeatIntervalMs, int heartbeatTimeoutMs, int maxFrameLength)
{
}
