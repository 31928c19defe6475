package io.sluice.kafka;

import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

import java.util.Map;
import java.util.function.Supplier;

/**
 * Tells whether a Kafka client has any connection to a broker, from its own {@code connection-count} metric, and
 * for how long it has had none: a client whose brokers are all down has none while it keeps trying.
 */
final class KafkaConnections
{
    private final Supplier<Map<MetricName, ? extends Metric>> metrics;
    private final String group;
    private MetricName name;
    private long noneSinceNanos;

    /**
     * @param metrics the client's {@code metrics()}.
     * @param group the metric group: {@code producer-metrics} or {@code consumer-metrics}.
     * @param nowNanos now.
     */
    KafkaConnections(final Supplier<Map<MetricName, ? extends Metric>> metrics, final String group, final long nowNanos)
    {
        this.metrics = metrics;
        this.group = group;
        this.noneSinceNanos = nowNanos;
    }

    /**
     * @param nowNanos now.
     * @return nanoseconds the client has been without a broker connection (since it was made, at first); 0 while it
     * has one.
     */
    long withoutConnectionNanos(final long nowNanos)
    {
        final Map<MetricName, ? extends Metric> all = metrics.get();
        if (name == null)
        {
            for (final MetricName candidate : all.keySet())
            {
                if ("connection-count".equals(candidate.name()) && group.equals(candidate.group()))
                {
                    name = candidate;
                    break;
                }
            }
        }
        final Metric metric = name == null ? null : all.get(name);
        final Object value = metric == null ? null : metric.metricValue();
        if (value instanceof Number n && n.doubleValue() > 0)
        {
            noneSinceNanos = nowNanos;
            return 0;
        }
        return nowNanos - noneSinceNanos;
    }
}
