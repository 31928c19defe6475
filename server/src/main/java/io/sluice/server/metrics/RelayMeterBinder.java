package io.sluice.server.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.server.RelayMetrics;
import io.sluice.server.tier.disk.SpillCounters;

import java.util.concurrent.TimeUnit;

/**
 * The relay-wide meters, bound to a {@link RelayMetrics}: each reads the relay's counters when the registry asks,
 * so binding costs nothing on the relay's hot path. Per-stream and per-subscriber values come and go with the
 * streams and lanes and are read at scrape time by {@link RelaySnapshotCollector} instead.
 * <p>
 * Names are given in Micrometer's dotted form; the Prometheus registry turns them into the names in
 * {@link MetricNames} ({@code _total} for counters, the base unit appended).
 */
public final class RelayMeterBinder implements MeterBinder
{
    private final RelayMetrics metrics;
    private final String address;
    private final String version;
    private final long startNanos = System.nanoTime();

    /**
     * @param metrics the relay's metrics.
     * @param address the relay's listening address, as host:port, for {@code sluice_relay_info}.
     * @param version the relay's version, for {@code sluice_relay_info}.
     */
    public RelayMeterBinder(final RelayMetrics metrics, final String address, final String version)
    {
        this.metrics = metrics;
        this.address = address;
        this.version = version;
    }

    @Override
    public void bindTo(final MeterRegistry registry)
    {
        Gauge.builder("sluice.relay.info", () -> 1)
            .description("Always 1; the labels name the relay's listening address and version")
            .tag("address", address)
            .tag("version", version)
            .register(registry);
        // A supplier rather than (this, function): a gauge holds its state object weakly, and nothing else holds the
        // binder once bound.
        Gauge.builder(
                "sluice.relay.uptime", () -> (System.nanoTime() - startNanos) / (double)TimeUnit.SECONDS.toNanos(1))
            .description("Seconds since the relay's metrics endpoint started (right after the relay started)")
            .baseUnit("seconds")
            .register(registry);
        FunctionCounter.builder("sluice.connections.opened", metrics, RelayMetrics::connectionsOpened)
            .description("Connections accepted since start")
            .register(registry);
        Gauge.builder("sluice.streams", metrics, RelayMetrics::streamCount)
            .description("Streams that exist now: created by the first HELLO naming one, removed after "
                + "stream-idle-timeout without connections (streams named in the config stay)")
            .register(registry);
        Gauge.builder("sluice.publishers", metrics, RelayMetrics::publishers)
            .description("Publishers connected now")
            .register(registry);
        Gauge.builder("sluice.subscribers", metrics, RelayMetrics::subscribers)
            .description("Subscribers connected now")
            .register(registry);
        FunctionCounter.builder("sluice.received.messages", metrics, RelayMetrics::messagesIn)
            .description("DATA messages received from publishers, every stream")
            .register(registry);
        FunctionCounter.builder("sluice.received", metrics, RelayMetrics::bytesIn)
            .description("DATA bytes received from publishers, every stream")
            .baseUnit("bytes")
            .register(registry);
        FunctionCounter.builder("sluice.duplicates.dropped", metrics, RelayMetrics::duplicatesDropped)
            .description("DATA frames identified publishers resent after a reconnect that the relay had already "
                + "accepted: dropped, not delivered again")
            .register(registry);
        Gauge.builder("sluice.buffered", metrics, RelayMetrics::bufferedBytes)
            .description("Bytes of frames the relay holds now: in lanes, in subscribers' outbound buffers and held by "
                + "paused publishers' connections")
            .baseUnit("bytes")
            .register(registry);
        Gauge.builder("sluice.peak.lane", metrics, RelayMetrics::peakLaneBytes)
            .description("The most bytes any one lane has held (queued plus its channel's outbound buffer)")
            .baseUnit("bytes")
            .register(registry);
        Gauge.builder("sluice.peak.held", metrics, RelayMetrics::peakHeldBytes)
            .description("The most bytes paused publishers' connections have held at once, all together")
            .baseUnit("bytes")
            .register(registry);
        final SpillCounters spill = metrics.spill();
        FunctionCounter.builder("sluice.spill.failures", spill, SpillCounters::failures)
            .description("Disk tiers that failed (an I/O error or a fault on the spill thread)")
            .register(registry);
        FunctionCounter.builder("sluice.spill.lost", spill, SpillCounters::lostBytes)
            .description("Bytes of accepted messages a disk tier could neither keep nor deliver")
            .baseUnit("bytes")
            .register(registry);
        FunctionCounter.builder("sluice.spill.damaged", spill, SpillCounters::damagedBytes)
            .description("Bytes of messages lost to damaged spill files")
            .baseUnit("bytes")
            .register(registry);
        FunctionCounter.builder("sluice.spill.damaged.messages", spill, SpillCounters::damagedMessages)
            .description("Messages lost to damaged spill files and announced to subscribers in GAP frames")
            .register(registry);
        FunctionCounter.builder("sluice.spill.subscriptions.deleted", spill, SpillCounters::inactiveDeleted)
            .description("Durable subscriptions deleted after their stream's inactive-after without a connection")
            .register(registry);
        FunctionCounter.builder("sluice.spill.subscriptions.deleted.bytes", spill, SpillCounters::inactiveDeletedBytes)
            .description("Bytes of messages those subscriptions held at their last close, lost with them")
            .baseUnit("bytes")
            .register(registry);
        for (final ErrorCode code : ErrorCode.values())
        {
            FunctionCounter.builder("sluice.protocol.errors", metrics, m -> m.protocolErrors(code))
                .description("Protocol errors detected since start, by code")
                .tag(MetricNames.CODE, code.name())
                .register(registry);
            FunctionCounter.builder("sluice.errors.received", metrics, m -> m.errorsReceived(code))
                .description("ERROR frames received from clients since start, by the code they carried")
                .tag(MetricNames.CODE, code.name())
                .register(registry);
        }
    }
}
