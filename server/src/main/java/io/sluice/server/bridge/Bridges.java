package io.sluice.server.bridge;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * A relay's bridges: finds each configured type's {@link BridgeFactory}, makes, starts and stops the bridges, and
 * gathers their snapshots.
 */
public final class Bridges
{
    private static final Logger LOG = LoggerFactory.getLogger(Bridges.class);

    /** No bridges. */
    public static final Bridges NONE = new Bridges(List.of());

    private final List<Bridge> bridges;

    private Bridges(final List<Bridge> bridges)
    {
        this.bridges = List.copyOf(bridges);
    }

    /**
     * @param type a bridge type.
     * @return its factory.
     * @throws BridgeConfigException on {@code type} when no factory on the class path makes that type.
     */
    public static BridgeFactory factory(final String type)
    {
        final Set<String> known = new TreeSet<>();
        for (final BridgeFactory factory : ServiceLoader.load(BridgeFactory.class))
        {
            if (factory.type().equals(type))
            {
                return factory;
            }
            known.add(factory.type());
        }
        throw new BridgeConfigException("type", "unknown bridge type '" + type + "' (known: " +
            (known.isEmpty() ? "none on the class path" : String.join(", ", known)) + ")", false);
    }

    /**
     * Checks every bridge's settings, and that names are unique.
     *
     * @param configs the relay's bridges.
     * @throws IllegalArgumentException naming the bridge and the setting.
     */
    public static void check(final List<BridgeConfig> configs)
    {
        final Set<String> names = new HashSet<>();
        for (final BridgeConfig config : configs)
        {
            if (!names.add(config.name()))
            {
                throw new IllegalArgumentException("two bridges are named '" + config.name()
                    + "': give each a 'name' of its own");
            }
            try
            {
                factory(config.type()).check(config);
            }
            catch (final BridgeConfigException ex)
            {
                throw new IllegalArgumentException("bridge '" + config.name() + "': " + ex.getMessage(), ex);
            }
        }
    }

    /**
     * Makes and starts every bridge, in order. When one cannot be made or started, the ones started are closed
     * again.
     *
     * @param configs the relay's bridges.
     * @param context what the relay gives them.
     * @return the running bridges.
     * @throws IllegalArgumentException when a bridge's settings are wrong.
     * @throws IllegalStateException when a bridge cannot start.
     */
    public static Bridges start(final List<BridgeConfig> configs, final BridgeContext context)
    {
        if (configs.isEmpty())
        {
            return NONE;
        }
        check(configs);
        final List<Bridge> started = new ArrayList<>();
        try
        {
            for (final BridgeConfig config : configs)
            {
                final Bridge bridge = factory(config.type()).create(config, context);
                bridge.start();
                started.add(bridge);
                LOG.info("bridge {} ({}) started on stream '{}'", config.name(), config.type(), config.stream());
            }
        }
        catch (final RuntimeException ex)
        {
            new Bridges(started).close(Duration.ZERO);
            throw ex;
        }
        return new Bridges(started);
    }

    /** @return the running bridges, in config order. */
    public List<Bridge> all()
    {
        return bridges;
    }

    /** @return every bridge's snapshot, in config order. */
    public List<BridgeSnapshot> snapshots()
    {
        final List<BridgeSnapshot> list = new ArrayList<>(bridges.size());
        for (final Bridge bridge : bridges)
        {
            list.add(bridge.snapshot());
        }
        return list;
    }

    /**
     * Tells every bridge the relay is about to stop, all at once, and returns when each has done so.
     *
     * @param grace the longest each may take.
     */
    public void relayStopping(final Duration grace)
    {
        inParallel("prepare for the relay's stop", bridge -> bridge.relayStopping(grace));
    }

    /**
     * Closes every bridge, all at once, and returns when each has closed.
     *
     * @param grace the longest each may take to deliver what it holds.
     */
    public void close(final Duration grace)
    {
        inParallel("close", bridge -> bridge.close(grace));
    }

    private void inParallel(final String what, final Consumer<Bridge> action)
    {
        final List<Thread> threads = new ArrayList<>(bridges.size());
        for (final Bridge bridge : bridges)
        {
            final Runnable task = () ->
            {
                try
                {
                    action.accept(bridge);
                }
                catch (final RuntimeException ex)
                {
                    LOG.warn("bridge {} failed to {}", bridge.name(), what, ex);
                }
            };
            if (bridges.size() == 1)
            {
                task.run();
                return;
            }
            final Thread thread = new Thread(task, "sluice-bridge-stop-" + bridge.name());
            thread.start();
            threads.add(thread);
        }
        for (final Thread thread : threads)
        {
            try
            {
                thread.join();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
