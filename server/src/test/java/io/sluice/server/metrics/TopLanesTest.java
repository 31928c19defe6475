package io.sluice.server.metrics;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lanes of {@code sluice top} read out of hand-written scrapes: grouped by stream, largest lag first (an unknown
 * lag counting as none), with each lane's fills, tier and state, and its counters before when it was there before.
 */
class TopLanesTest
{
    private static final String SENT = MetricNames.SUBSCRIBER_SENT_MESSAGES;

    private static String lane(final String stream, final String subscriber)
    {
        return "{stream=\"" + stream + "\",subscriber=\"" + subscriber + "\",subscription=\"\",strategy=\"spill\"";
    }

    @Test
    void lanesAreGroupedByStreamLargestLagFirst()
    {
        final PrometheusText before = PrometheusText.parse(SENT + lane("a", "s1") + "} 10\n");
        final PrometheusText now = PrometheusText.parse(
            SENT + lane("a", "s1") + "} 30\n" +
            SENT + lane("a", "s2") + "} 5\n" +
            SENT + lane("b", "s3") + "} 7\n" +
            MetricNames.SUBSCRIBER_LAG_SECONDS + lane("a", "s1") + "} 0.5\n" +
            MetricNames.SUBSCRIBER_LAG_SECONDS + lane("a", "s2") + "} 2\n" +
            MetricNames.SUBSCRIBER_LAG_SECONDS + lane("b", "s3") + "} 9\n" +
            MetricNames.SUBSCRIBER_QUEUED_BYTES + lane("a", "s1") + "} 256\n" +
            MetricNames.SUBSCRIBER_QUEUED_LIMIT_BYTES + lane("a", "s1") + "} 1024\n" +
            MetricNames.SUBSCRIBER_TIER + lane("a", "s1") + ",tier=\"memory\"} 0\n" +
            MetricNames.SUBSCRIBER_TIER + lane("a", "s1") + ",tier=\"disk\"} 1\n" +
            MetricNames.SUBSCRIBER_STATE + lane("a", "s1") + ",state=\"spilling\"} 1\n");

        final Map<String, List<TopLane>> byStream = TopLanes.byStream(now, before);
        assertEquals(List.of("a", "b"), List.copyOf(byStream.keySet()));
        final List<TopLane> a = byStream.get("a");
        assertEquals("s2", a.get(0).subscriber, "the lane that lags most first");
        final TopLane s1 = a.get(1);
        assertEquals("s1", s1.subscriber);
        assertEquals(30, s1.sent);
        assertEquals(10.0, s1.sentBefore);
        assertEquals(20, s1.rate(s1.sent, s1.sentBefore, 1), 1e-9);
        assertNull(a.get(0).sentBefore, "a lane that was not there before has no counter before");
        assertTrue(Double.isNaN(a.get(0).rate(a.get(0).sent, a.get(0).sentBefore, 1)), "so no rate");
        assertEquals(0.25, s1.queuedFill, 1e-9);
        assertTrue(Double.isNaN(a.get(0).queuedFill), "no limit, no fill");
        assertEquals("disk", s1.tier);
        assertEquals("spilling", s1.state);
        assertEquals(TopScreen.NONE, a.get(0).state);

        assertEquals(2, TopLanes.largestLag(a));
        assertEquals(List.of("b", "a", "c"), TopLanes.streamsByLag(Set.of("a", "b", "c"), byStream),
            "largest lag first; a stream without lanes lags none");
    }

    @Test
    void aStreamRowSumsItsLanesAndKeepsTheFullestFill()
    {
        final TopLane sum = new TopLane("", "", null, "");
        final TopLane first = new TopLane("s1", "", "spill", "memory");
        first.waiting = 3;
        first.memory = 100;
        first.memoryFill = 0.5;
        final TopLane second = new TopLane("s2", "", "throttle", "memory");
        second.waiting = 4;
        second.memory = 50;
        second.memoryFill = 0.75;
        sum.add(first);
        assertEquals("spill", sum.strategy);
        sum.add(second);
        assertEquals("mixed", sum.strategy);
        assertEquals(7, sum.waiting);
        assertEquals(150, sum.memory);
        assertEquals(0.75, sum.memoryFill, 1e-9);
    }
}
