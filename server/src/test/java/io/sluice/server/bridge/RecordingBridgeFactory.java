package io.sluice.server.bridge;

import io.sluice.client.ClientConfig;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import io.sluice.client.Subscription;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bridge type for tests of the bridge SPI ({@code recording}): it subscribes to its stream over loopback like a
 * sink, counts what it receives on a thread of its own, and records what the relay asked of it and when.
 * Settings: {@code count} (a whole number, checked), {@code fail-start}, {@code problem} (reported as unhealthy).
 */
public final class RecordingBridgeFactory implements BridgeFactory
{
    /** Every bridge made, by name; tests clear it. */
    public static final Map<String, Recording> MADE = new ConcurrentHashMap<>();

    @Override
    public String type()
    {
        return "recording";
    }

    @Override
    public void check(final BridgeConfig config)
    {
        final BridgeSettings settings = config.typedSettings();
        settings.allowOnly(List.of("count", "fail-start", "problem"));
        settings.wholeNumber("count", 0, 0, 1000);
        settings.flag("fail-start", false);
    }

    @Override
    public Bridge create(final BridgeConfig config, final BridgeContext context)
    {
        check(config);
        final Recording bridge = new Recording(config, context);
        MADE.put(config.name(), bridge);
        return bridge;
    }

    /** The bridge. */
    public static final class Recording implements Bridge
    {
        /** What the relay asked, in order: start, relayStopping, close. */
        public final List<String> calls = new CopyOnWriteArrayList<>();
        /** Messages received. */
        public final AtomicLong received = new AtomicLong();
        /** Whether the subscription had ended and been read to the end when close was called. */
        public volatile boolean drainedAtClose;

        private final BridgeConfig config;
        private final BridgeContext context;
        private volatile boolean stop;
        private SluiceClient client;
        private Subscription subscription;
        private Thread thread;

        Recording(final BridgeConfig config, final BridgeContext context)
        {
            this.config = config;
            this.context = context;
        }

        /** @return what the relay gave it. */
        public BridgeContext context()
        {
            return context;
        }

        @Override
        public String name()
        {
            return config.name();
        }

        @Override
        public void start()
        {
            calls.add("start");
            if (config.typedSettings().flag("fail-start", false))
            {
                throw new IllegalStateException("told to fail");
            }
            client = new SluiceClient(ClientConfig.of(context.relayHost(), context.relayPort())
                .withAuthToken(context.authToken()));
            try
            {
                subscription = client.subscribe(config.stream());
            }
            catch (final SluiceException ex)
            {
                client.close();
                throw new IllegalStateException(ex);
            }
            thread = new Thread(() ->
            {
                while (!stop)
                {
                    if (subscription.poll((buffer, offset, length, header) -> received.incrementAndGet(), 256) == 0)
                    {
                        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
                    }
                }
            }, "recording-" + name());
            thread.start();
        }

        @Override
        public void relayStopping(final Duration grace)
        {
            calls.add("relayStopping");
        }

        @Override
        public void close(final Duration grace)
        {
            calls.add("close");
            if (subscription != null)
            {
                final long deadline = System.nanoTime() + grace.toNanos();
                while (!subscription.isDrained() && System.nanoTime() < deadline)
                {
                    java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                }
                drainedAtClose = subscription.isDrained();
                stop = true;
                try
                {
                    thread.join();
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
                client.close();
            }
        }

        @Override
        public BridgeSnapshot snapshot()
        {
            final String problem = config.typedSettings().text("problem", null);
            return new BridgeSnapshot(name(), "recording", config.stream(), "nowhere", problem == null, problem, 0,
                received.get(), received.get(), Map.of("testing", 1L), 0, 2, 7, Map.of("rebalance", 3L));
        }
    }
}
