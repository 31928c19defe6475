package io.sluice.server.stream;

/**
 * One stream's counters and gauges at one moment.
 *
 * @param name stream name.
 * @param publishers publishers connected now.
 * @param subscribers subscribers connected now.
 * @param messagesIn messages received from publishers.
 * @param bytesIn bytes received from publishers.
 * @param unrouted messages received while the stream had no subscriber (not kept).
 * @param throttledNanos total time publishers of this stream spent with reads paused, all publishers summed.
 */
public record StreamSnapshot(
    String name, int publishers, int subscribers, long messagesIn, long bytesIn, long unrouted, long throttledNanos)
{
}
