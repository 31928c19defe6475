package io.sluice.bench.load;

import java.util.List;
import java.util.Map;
import java.util.LinkedHashMap;
import java.util.concurrent.TimeUnit;

/**
 * What one run sends: how many producers, consumers and streams, the payload, the producers' schedule (a list of
 * phases, each a rate for a time), how fast each consumer may take messages, and how long to wait for the backlog
 * once the producers stop.
 *
 * @param producers producer connections, spread over the streams round robin.
 * @param producerThreads threads that drive them (each owns every n-th producer).
 * @param consumers consumer connections, spread over the streams round robin; each receives its stream's messages.
 * @param streams streams.
 * @param payloadBytes payload size, at least 8 (the key of a keyed run, or the send time for peers).
 * @param phases the producers' schedule, after the warmup.
 * @param warmupNanos time at the first phase's rate before measuring starts; counted, not measured.
 * @param consumerRate messages per second each consumer takes at most; 0 for as fast as it can.
 * @param keys 0 for plain messages, else keyed messages with keys 0..keys-1 in turn.
 * @param drainNanos once the producers stop, how long the consumers may take the backlog at full speed.
 */
public record LoadSpec(
    int producers,
    int producerThreads,
    int consumers,
    int streams,
    int payloadBytes,
    List<Phase> phases,
    long warmupNanos,
    double consumerRate,
    int keys,
    long drainNanos)
{
    /** Rate meaning "as fast as the link takes them". */
    public static final double MAX_RATE = Double.POSITIVE_INFINITY;

    /**
     * Checks the settings.
     */
    public LoadSpec
    {
        if (producers < 1 || consumers < 1 || streams < 1 || producerThreads < 1)
        {
            throw new IllegalArgumentException("producers, consumers, streams and threads must be at least 1");
        }
        if (payloadBytes < 8)
        {
            throw new IllegalArgumentException("payload must be at least 8 bytes, was " + payloadBytes);
        }
        if (phases.isEmpty())
        {
            throw new IllegalArgumentException("a run needs at least one phase");
        }
        producerThreads = Math.min(producerThreads, producers);
        phases = List.copyOf(phases);
    }

    /**
     * One producer and one consumer on one stream at a steady rate.
     *
     * @param payloadBytes payload size.
     * @param rate messages per second, or {@link #MAX_RATE}.
     * @param seconds how long.
     * @param consumerRate per-consumer cap, 0 for none.
     * @return the spec.
     */
    public static LoadSpec steady(
        final int payloadBytes, final double rate, final double seconds, final double consumerRate)
    {
        return new LoadSpec(1, 1, 1, 1, payloadBytes, List.of(new Phase(nanos(seconds), rate)), 0, consumerRate, 0,
            TimeUnit.SECONDS.toNanos(3));
    }

    /**
     * @param nanos warmup.
     * @return a copy with that warmup.
     */
    public LoadSpec withWarmup(final long nanos)
    {
        return new LoadSpec(producers, producerThreads, consumers, streams, payloadBytes, phases, nanos,
            consumerRate, keys, drainNanos);
    }

    /**
     * @param count keys (0: not keyed).
     * @return a copy sending keyed messages.
     */
    public LoadSpec withKeys(final int count)
    {
        return new LoadSpec(producers, producerThreads, consumers, streams, payloadBytes, phases, warmupNanos,
            consumerRate, count, drainNanos);
    }

    /**
     * @param nanos drain time.
     * @return a copy with that drain time.
     */
    public LoadSpec withDrain(final long nanos)
    {
        return new LoadSpec(producers, producerThreads, consumers, streams, payloadBytes, phases, warmupNanos,
            consumerRate, keys, nanos);
    }

    /**
     * @param producerCount producers.
     * @param threads threads driving them.
     * @param consumerCount consumers.
     * @param streamCount streams.
     * @return a copy with that shape.
     */
    public LoadSpec withShape(
        final int producerCount, final int threads, final int consumerCount, final int streamCount)
    {
        return new LoadSpec(producerCount, threads, consumerCount, streamCount, payloadBytes, phases, warmupNanos,
            consumerRate, keys, drainNanos);
    }

    /** @return the measured part of the run, warmup excluded. */
    public long measuredNanos()
    {
        long total = 0;
        for (final Phase phase : phases)
        {
            total += phase.nanos();
        }
        return total;
    }

    /** @return the spec as JSON fields. */
    public Map<String, Object> toJson()
    {
        final Map<String, Object> json = new LinkedHashMap<>();
        json.put("producers", producers);
        json.put("consumers", consumers);
        json.put("streams", streams);
        json.put("payloadBytes", payloadBytes);
        json.put("warmupSeconds", warmupNanos / 1e9);
        final List<Map<String, Object>> list = new java.util.ArrayList<>();
        for (final Phase phase : phases)
        {
            final Map<String, Object> p = new LinkedHashMap<>();
            p.put("seconds", phase.nanos() / 1e9);
            p.put("rate", Double.isInfinite(phase.rate()) ? "max" : phase.rate());
            list.add(p);
        }
        json.put("phases", list);
        json.put("consumerRate", consumerRate > 0 ? consumerRate : "unlimited");
        json.put("keys", keys);
        return json;
    }

    static long nanos(final double seconds)
    {
        return (long)(seconds * 1e9);
    }

    /**
     * A stretch of the producers' schedule.
     *
     * @param nanos how long.
     * @param rate messages per second over all producers; 0 sends nothing; {@link #MAX_RATE} as fast as possible.
     */
    public record Phase(long nanos, double rate)
    {
        /**
         * @param seconds how long.
         * @param rate messages per second.
         * @return the phase.
         */
        public static Phase of(final double seconds, final double rate)
        {
            return new Phase(LoadSpec.nanos(seconds), rate);
        }
    }
}
