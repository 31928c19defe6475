package io.sluice.bench.load;

import io.sluice.core.util.EpochClock;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Latency of the messages stamped in the measured window, in microseconds, into an HdrHistogram {@link Recorder}:
 * recording allocates nothing, and the sampler takes interval histograms from another thread.
 */
final class LatencyRecording
{
    private final Recorder recorder = new Recorder(3);
    private final RunControl control;

    LatencyRecording(final RunControl control)
    {
        this.control = control;
    }

    /**
     * Records one message that arrived now, if its stamp falls after the warmup and before the producers stop.
     *
     * @param stampNanos the message's intended send time.
     */
    void record(final long stampNanos)
    {
        if (inWindow(stampNanos))
        {
            recordLatency(EpochClock.nanos() - stampNanos);
        }
    }

    boolean inWindow(final long stampNanos)
    {
        return stampNanos >= control.measureFromNanos() && stampNanos < control.measureToNanos();
    }

    void recordLatency(final long nanos)
    {
        // Clocks agree within a process; a negative value can only be rounding.
        recorder.recordValue(Math.max(0, nanos) / 1_000);
    }

    /**
     * @param recycle the histogram the previous call returned, or null.
     * @return what was recorded since the previous call.
     */
    Histogram interval(final Histogram recycle)
    {
        return recorder.getIntervalHistogram(recycle);
    }
}
