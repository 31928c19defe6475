package io.sluice.kafka;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts by name (failures by reason, events) for a bridge's snapshot: counted on the bridge's threads, read by any.
 */
final class BridgeCounters
{
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    void increment(final String name)
    {
        add(name, 1);
    }

    void add(final String name, final long n)
    {
        counts.computeIfAbsent(name, k -> new LongAdder()).add(n);
    }

    long get(final String name)
    {
        final LongAdder n = counts.get(name);
        return n == null ? 0 : n.sum();
    }

    long total()
    {
        long sum = 0;
        for (final LongAdder n : counts.values())
        {
            sum += n.sum();
        }
        return sum;
    }

    Map<String, Long> snapshot()
    {
        final Map<String, Long> map = new TreeMap<>();
        counts.forEach((name, n) -> map.put(name, n.sum()));
        return map;
    }
}
