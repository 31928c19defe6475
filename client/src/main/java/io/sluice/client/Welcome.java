package io.sluice.client;

/**
 * What the relay's WELCOME said.
 *
 * @param streamId id of the stream, to stamp into DATA frames.
 * @param sourceId id of this publisher (0 for subscribers).
 * @param heartbeatIntervalMs relay's heartbeat interval.
 * @param heartbeatTimeoutMs relay's heartbeat timeout.
 * @param maxFrameLength largest frame the relay accepts.
 * @param nextSequence the sequence the relay expects next: 0, or an identified publisher's from an earlier connection.
 */
record Welcome(int streamId, int sourceId, int heartbeatIntervalMs, int heartbeatTimeoutMs, int maxFrameLength,
    long nextSequence)
{
}
