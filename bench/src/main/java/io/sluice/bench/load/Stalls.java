package io.sluice.bench.load;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How often the machine stalled during a run, as {@link StallMeter} saw it: a run with a stall has latency
 * percentiles that say more about the machine than about the link, and is worth running again.
 *
 * @param count wake-ups late by at least {@link StallMeter#STALL_NANOS}.
 * @param longestMicros the latest wake-up, stall or not, in microseconds.
 */
public record Stalls(long count, long longestMicros)
{
    /** Nothing recorded: a run not metered. */
    public static final Stalls NONE = new Stalls(0, 0);

    /** @return whether the machine stalled at least once. */
    public boolean any()
    {
        return count > 0;
    }

    /** @return the longest stall in whole milliseconds, rounded. */
    public long longestMillis()
    {
        return Math.round(longestMicros / 1000.0);
    }

    /** @return for a table: e.g. {@code 2 / 104 ms}, or {@code -} for none. */
    public String text()
    {
        return any() ? count + " / " + longestMillis() + " ms" : "-";
    }

    Map<String, Object> toJson()
    {
        final Map<String, Object> json = new LinkedHashMap<>();
        json.put("count", count);
        json.put("longestMicros", longestMicros);
        return json;
    }
}
