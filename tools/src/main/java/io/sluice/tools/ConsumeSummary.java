package io.sluice.tools;

import org.HdrHistogram.Histogram;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a {@code consume} run saw, as the summary it prints on stdout (and the failure on stderr) and as the JSON
 * object {@code --json} writes. Elapsed time and rate are measured from the first delivery to the last.
 *
 * @param stream the stream's name.
 * @param checker what checked the deliveries; no longer called, so its counts are final.
 * @param acknowledged whether delivery was acknowledged ({@code --ack}), which adds the positions and redeliveries.
 * @param connectionLost whether the connection was lost before the run was over.
 * @param error why the run failed, or null.
 */
record ConsumeSummary(String stream, Checker checker, boolean acknowledged, boolean connectionLost,
    String error)
{
    double elapsedSeconds()
    {
        return checker.received > 0 ?
            (checker.lastDeliveryNanos - checker.firstDeliveryNanos) / (double)TimeUnit.SECONDS.toNanos(1) : 0;
    }

    double ratePerSecond()
    {
        final double seconds = elapsedSeconds();
        return seconds > 0 ? checker.received / seconds : 0;
    }

    void print(final PrintWriter out, final PrintWriter err)
    {
        final int sources = checker.sources.size();
        out.printf(Locale.ROOT, "consumed %,d messages from '%s' (%d source%s) in %.3f s: %,.0f msg/s%n",
            checker.received, stream, sources, sources == 1 ? "" : "s", elapsedSeconds(), ratePerSecond());
        out.printf(Locale.ROOT, "  outOfOrder %d, duplicates %d, gaps %d (%d messages dropped)%n",
            checker.outOfOrder, checker.duplicates, checker.gaps, checker.gapMessages);
        final Histogram latency = checker.latencyMicros;
        out.printf(Locale.ROOT, "  latency us: p50 %,d  p99 %,d  p99.9 %,d  max %,d%n",
            latency.getValueAtPercentile(50), latency.getValueAtPercentile(99), latency.getValueAtPercentile(99.9),
            latency.getMaxValue());
        if (acknowledged)
        {
            out.printf(Locale.ROOT, "  acknowledged positions %d..%d, redelivered %d%n", checker.firstPosition,
                checker.lastPosition, checker.redelivered);
        }
        if (error != null)
        {
            out.println("  " + error);
            err.println("consume: " + error);
        }
        out.flush();
    }

    Map<String, Object> toJson()
    {
        final Histogram latency = checker.latencyMicros;
        final Map<String, Object> latencyJson = new LinkedHashMap<>();
        latencyJson.put("p50", latency.getValueAtPercentile(50));
        latencyJson.put("p99", latency.getValueAtPercentile(99));
        latencyJson.put("p999", latency.getValueAtPercentile(99.9));
        latencyJson.put("max", latency.getMaxValue());
        final Map<String, Object> result = new LinkedHashMap<>();
        result.put("stream", stream);
        result.put("received", checker.received);
        result.put("sources", checker.sources.size());
        result.put("outOfOrder", checker.outOfOrder);
        result.put("duplicates", checker.duplicates);
        result.put("gaps", checker.gaps);
        result.put("gapMessages", checker.gapMessages);
        result.put("elapsedSeconds", Json.round3(elapsedSeconds()));
        result.put("ratePerSecond", Json.round3(ratePerSecond()));
        result.put("latencyMicros", latencyJson);
        if (acknowledged)
        {
            result.put("redelivered", checker.redelivered);
            result.put("firstPosition", checker.firstPosition);
            result.put("lastPosition", checker.lastPosition);
        }
        result.put("connectionLost", connectionLost);
        result.put("error", error);
        return result;
    }
}
