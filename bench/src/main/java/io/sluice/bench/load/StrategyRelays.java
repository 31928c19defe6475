package io.sluice.bench.load;

import io.sluice.client.SubscribeOptions;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.config.RelayConfigFile;

import java.nio.file.Path;
import java.util.List;

/**
 * Relay configurations for each strategy the demo and the bench compare, written as config-file text and read by
 * {@link RelayConfigFile}: the file format is the stable interface, so a strategy this build does not know is
 * reported as unavailable instead of failing to compile.
 */
public final class StrategyRelays
{
    /** Every strategy the demo and the overload scenario try, in the order they are shown. */
    public static final List<String> ALL = List.of(
        "throttle", "buffer", "spill", "drop-newest", "drop-oldest", "latest-by-key", "deadline");

    private StrategyRelays()
    {
    }

    /**
     * @param strategy a strategy name.
     * @return whether its producers send keyed messages (latest-by-key keeps the newest message per key).
     */
    public static boolean keyed(final String strategy)
    {
        return "latest-by-key".equals(strategy);
    }

    /**
     * How a consumer subscribes under {@code --low-latency}: acknowledged delivery with a small window, so that at
     * most 128 messages (16 KiB) are between the relay's lane, where a drop policy acts, and the application, wherever
     * they wait (relay's socket, consumer's socket, ring). Small socket buffers would bound the same thing, but on
     * Linux a receive buffer of a few KiB can leave a window smaller than the segment the sender waits to fill, and
     * delivery then crawls at one window per 200 ms persist probe (tens of messages a second).
     */
    public static final SubscribeOptions LOW_LATENCY_SUBSCRIBE = SubscribeOptions.acknowledged().window(128, 16 * 1024);

    // What a drop policy keeps under --low-latency: little, since a full lane's content is latency.
    private static List<String> lowLatencyCandidates(final String strategy, final String spillQuota)
    {
        return switch (strategy)
        {
            case "throttle", "buffer", "spill" -> candidates(strategy, spillQuota);
            case "deadline" -> List.of("  strategy: deadline\n  deadline: 2ms\n  memory: 4KiB\n");
            default -> List.of("  strategy: " + strategy + "\n  memory: 4KiB\n");
        };
    }

    // The stream settings tried for a strategy, most specific first. The memory sizes keep the demo's overload visible
    // within seconds: a 4 MiB buffer fills in about half a second at 10x, a 1 MiB memory tier spills at once.
    private static List<String> candidates(final String strategy, final String spillQuota)
    {
        return switch (strategy)
        {
            case "throttle" -> List.of("  strategy: throttle\n");
            case "buffer" -> List.of("  strategy: buffer\n  memory: 4MiB\n");
            case "spill" -> List.of("  strategy: spill\n  memory: 1MiB\n  spill-quota: " + spillQuota + "\n");
            case "deadline" -> List.of(
                "  strategy: deadline\n  deadline: 5ms\n  memory: 1MiB\n",
                "  strategy: deadline\n  deadline: 5ms\n");
            default -> List.of(
                "  strategy: " + strategy + "\n  memory: 1MiB\n",
                "  strategy: " + strategy + "\n");
        };
    }

    /**
     * @param strategy a strategy name.
     * @param spillDir the spill directory for this relay (used by spill only).
     * @param ioThreads the relay's event loop threads.
     * @return the relay's configuration, bound to 127.0.0.1 on a free port, and the stream settings it took.
     * @throws IllegalArgumentException when this build does not know the strategy or its settings; the message of
     *                                  the simplest settings tried.
     */
    public static Configured config(final String strategy, final Path spillDir, final int ioThreads)
    {
        return config(strategy, spillDir, ioThreads, "256MiB");
    }

    /**
     * @param strategy a strategy name.
     * @param spillDir the spill directory for this relay (used by spill only).
     * @param ioThreads the relay's event loop threads.
     * @param spillQuota the spill strategy's disk quota, as written in config (e.g. {@code 4GiB}).
     * @return the relay's configuration, bound to 127.0.0.1 on a free port, and the stream settings it took.
     * @throws IllegalArgumentException when this build does not know the strategy or its settings.
     */
    public static Configured config(
        final String strategy, final Path spillDir, final int ioThreads, final String spillQuota)
    {
        return config(strategy, spillDir, ioThreads, spillQuota, false);
    }

    /**
     * @param lowLatency size the subscriber's path for latency (see {@code sluice bench --low-latency}).
     * @return as {@link #config(String, Path, int, String)}.
     */
    public static Configured config(
        final String strategy,
        final Path spillDir,
        final int ioThreads,
        final String spillQuota,
        final boolean lowLatency)
    {
        IllegalArgumentException last = null;
        final String top = lowLatency
            ? "low-water-mark: 2KiB\nhigh-water-mark: 4KiB\n"
            : "";
        for (final String stream : lowLatency
            ? lowLatencyCandidates(strategy, spillQuota)
            : candidates(strategy, spillQuota))
        {
            final String yaml = top + "spill-dir: " + spillDir.toAbsolutePath() + "\ndefault-stream:\n" + stream;
            try
            {
                final RelayConfig config = RelayConfigFile.parse(yaml, strategy + ".yaml",
                    RelayConfig.builder().bindAddress("127.0.0.1").port(0).ioThreads(ioThreads)).build();
                return new Configured(config, stream.strip().replace("\n  ", ", "));
            }
            catch (final IllegalArgumentException ex)
            {
                last = ex;
            }
        }
        throw last;
    }

    /**
     * A relay configuration and the stream settings it was read from.
     *
     * @param config the configuration.
     * @param settings the stream settings as config text on one line, e.g. {@code strategy: buffer, memory: 4MiB}.
     */
    public record Configured(RelayConfig config, String settings)
    {
    }
}
