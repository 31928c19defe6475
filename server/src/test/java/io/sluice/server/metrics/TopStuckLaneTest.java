package io.sluice.server.metrics;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code sluice top} names a lane marked stuck by its stream's stuck-after "stuck", over its interval's state. */
class TopStuckLaneTest
{
    private static String lane(final String subscriber)
    {
        return "{stream=\"a\",subscriber=\"" + subscriber + "\",subscription=\"\",strategy=\"throttle\"";
    }

    @Test
    void aStuckLaneShowsAsStuck()
    {
        final PrometheusText now = PrometheusText.parse(
            MetricNames.SUBSCRIBER_SENT_MESSAGES + lane("s1") + "} 30\n" +
            MetricNames.SUBSCRIBER_SENT_MESSAGES + lane("s2") + "} 30\n" +
            MetricNames.SUBSCRIBER_STATE + lane("s1") + ",state=\"stalled\"} 1\n" +
            MetricNames.SUBSCRIBER_STATE + lane("s2") + ",state=\"stalled\"} 1\n" +
            MetricNames.SUBSCRIBER_STUCK + lane("s1") + "} 1\n" +
            MetricNames.SUBSCRIBER_STUCK + lane("s2") + "} 0\n");

        final List<TopLane> lanes = TopLanes.byStream(now, PrometheusText.parse("")).get("a");
        assertEquals("stuck", lanes.stream().filter(l -> l.subscriber.equals("s1")).findFirst().orElseThrow().state);
        assertEquals("stalled", lanes.stream().filter(l -> l.subscriber.equals("s2")).findFirst().orElseThrow().state);
    }
}
