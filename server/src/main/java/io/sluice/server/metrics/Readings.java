package io.sluice.server.metrics;

import io.sluice.server.lane.LaneSnapshot;
import io.sluice.server.producer.ProducerSnapshot;
import io.sluice.server.stream.StreamSnapshot;

import java.util.List;

/**
 * The relay's snapshots read at one moment, from which {@link LanesSample#of} derives rates and states against the
 * readings before.
 *
 * @param nanoTime {@link System#nanoTime()} when read.
 * @param epochNanos the relay's clock for frame timestamps ({@link io.sluice.core.util.EpochClock}) when read.
 * @param streams every stream.
 * @param lanes every subscriber lane.
 * @param producers every publisher connection.
 */
record Readings(long nanoTime, long epochNanos, List<StreamSnapshot> streams, List<LaneSnapshot> lanes,
                List<ProducerSnapshot> producers)
{
}
