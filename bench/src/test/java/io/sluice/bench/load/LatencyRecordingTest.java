package io.sluice.bench.load;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Only messages stamped in the measured window count, in whole microseconds. */
final class LatencyRecordingTest
{
    @Test
    void theWindowIncludesItsStartAndExcludesItsEnd()
    {
        final RunControl control = new RunControl();
        control.expectThreads(0);
        control.startSchedule(0, 1_000, 1_000);
        final LatencyRecording latency = new LatencyRecording(control);

        assertFalse(latency.inWindow(999));
        assertTrue(latency.inWindow(1_000));
        assertTrue(latency.inWindow(1_999));
        assertFalse(latency.inWindow(2_000));
    }

    @Test
    void recordsMicrosecondsAndTreatsANegativeLatencyAsZero()
    {
        final LatencyRecording latency = new LatencyRecording(new RunControl());
        latency.recordLatency(2_500_000);
        latency.recordLatency(-5_000);

        final Histogram interval = latency.interval(null);
        assertEquals(2, interval.getTotalCount());
        assertEquals(0, interval.getMinValue());
        assertTrue(interval.valuesAreEquivalent(2_500, interval.getMaxValue()));
        assertEquals(0, latency.interval(interval).getTotalCount());
    }

    @Test
    void aMessageStampedOutsideTheWindowIsNotRecorded()
    {
        final RunControl control = new RunControl();
        control.expectThreads(0);
        control.startSchedule(Long.MAX_VALUE / 2, 0, 1);
        final LatencyRecording latency = new LatencyRecording(control);

        latency.record(0);

        assertEquals(0, latency.interval(null).getTotalCount());
    }
}
