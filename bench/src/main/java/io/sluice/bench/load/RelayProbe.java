package io.sluice.bench.load;

import io.sluice.server.lane.LaneSnapshot;
import io.sluice.server.Relay;
import io.sluice.server.RelayMetrics;

import java.util.Map;
import java.util.TreeMap;

/**
 * Reads what the load run reports about a relay: the bytes it holds in memory, on disk, what it spilled and dropped.
 * Sampled by the run's own thread a few times a second, never on a hot path.
 */
public interface RelayProbe
{
    /**
     * @return the relay's state now.
     */
    Sample sample();

    /**
     * @param relay an in-process relay.
     * @return a probe of its metrics.
     */
    static RelayProbe of(final Relay relay)
    {
        final RelayMetrics metrics = relay.metrics();
        return () ->
        {
            long memory = metrics.bufferedBytes();
            long disk = 0;
            long spilled = 0;
            final Map<String, Long> dropped = new TreeMap<>();
            for (final LaneSnapshot lane : metrics.lanes())
            {
                memory += lane.memoryBytes();
                disk += lane.diskBytes();
                spilled += lane.spilled();
                lane.droppedByReason().forEach((reason, n) -> dropped.merge(reason, n, Long::sum));
            }
            return new Sample(memory, disk, spilled, dropped);
        };
    }

    /**
     * @param memoryBytes bytes of frames held in memory: lanes, memory tiers, outbound buffers, paused producers.
     * @param diskBytes bytes the disk tiers use.
     * @param spilled messages written to disk tiers, since start.
     * @param droppedByReason messages dropped, by reason, since start.
     */
    record Sample(long memoryBytes, long diskBytes, long spilled, Map<String, Long> droppedByReason)
    {
        /** @return all drops. */
        public long dropped()
        {
            long sum = 0;
            for (final long n : droppedByReason.values())
            {
                sum += n;
            }
            return sum;
        }
    }
}
