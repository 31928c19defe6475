package io.sluice.bench;

import io.sluice.bench.load.LoadSpec;
import io.sluice.bench.peer.Peers;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import java.nio.file.Path;
import java.util.List;

/**
 * The options of {@code sluice bench} (a picocli mixin, declared in the order {@code --help} lists them), their
 * checks, and the loads built from them that several scenarios share.
 */
final class BenchOptions
{
    /** Largest payload: the client's default largest message, and well inside the peers' read buffers. */
    static final int MAX_SIZE = 64 * 1024;

    @Option(names = "--scenario", split = ",", paramLabel = "NAME,...",
        description = "Scenarios to run (default: max-throughput, latency-at-rate, overload, burst, many-connections, "
            + "kafka, tls).")
    private List<String> scenarios;

    @Option(names = "--duration", defaultValue = "5", paramLabel = "S",
        description = "Measured seconds per run (default: ${DEFAULT-VALUE}).")
    private double duration;

    @Option(names = "--warmup", defaultValue = "1", paramLabel = "S",
        description = "Warmup seconds per run, not measured (default: ${DEFAULT-VALUE}).")
    private double warmup;

    @Option(names = "--size", defaultValue = "64", paramLabel = "BYTES",
        description = "Payload bytes (default: ${DEFAULT-VALUE}).")
    private int size;

    @Option(names = "--rate", defaultValue = "200000", paramLabel = "N|max",
        description = "Producer messages per second for overload, burst peak and custom; max for as fast as possible "
            + "(default: ${DEFAULT-VALUE}).")
    private String rate;

    @Option(names = "--rates", split = ",", defaultValue = "20000,100000,200000,500000", paramLabel = "N,...",
        description = "The latency-at-rate ladder (default: ${DEFAULT-VALUE}); half of NATS core's maximum is added "
            + "when it was measured.")
    private List<Double> rates;

    @Option(names = "--tls-rate", defaultValue = "50000", paramLabel = "N",
        description = "The fixed rate of the tls scenario's latency runs, messages per second (default: "
            + "${DEFAULT-VALUE}).")
    private double tlsRate;

    @Option(names = "--consumer-rate", paramLabel = "N",
        description = "Messages per second each consumer takes (default: unlimited; overload and burst: a tenth of "
            + "--rate).")
    private Double consumerRate;

    @Option(names = "--producers", defaultValue = "1", paramLabel = "N",
        description = "Producers in custom (default: ${DEFAULT-VALUE}).")
    private int producers;

    @Option(names = "--consumers", defaultValue = "1", paramLabel = "N",
        description = "Consumers in custom (default: ${DEFAULT-VALUE}).")
    private int consumers;

    @Option(names = "--streams", defaultValue = "1", paramLabel = "N",
        description = "Streams in custom (default: ${DEFAULT-VALUE}).")
    private int streams;

    @Option(names = "--connections", defaultValue = "1000", paramLabel = "N",
        description = "Producers in many-connections (default: ${DEFAULT-VALUE}).")
    private int connections;

    @Option(names = "--strategy", defaultValue = "throttle", paramLabel = "NAME",
        description = "Relay strategy for max-throughput, latency-at-rate, many-connections and custom (default: "
            + "${DEFAULT-VALUE}).")
    private String strategy;

    @Option(names = "--strategies", split = ",", paramLabel = "NAME,...",
        description = "Strategies for overload and burst (default: throttle, buffer, spill, drop-newest, drop-oldest, "
            + "latest-by-key, deadline).")
    private List<String> strategies;

    @Option(names = "--peers", split = ",", defaultValue = "direct,haproxy,nats-core,jetstream",
        paramLabel = "NAME,...|none",
        description = "Peers for max-throughput and latency-at-rate (default: ${DEFAULT-VALUE}).")
    private List<String> peers;

    @Option(names = "--low-latency",
        description = "Size the path to the subscriber for latency, not throughput: drop policies keep 4 KiB in memory"
            + " (deadline: 2ms), the relay's write-buffer marks are 2 and 4 KiB, and consumers take acknowledged"
            + " delivery with a window of 128 messages (16 KiB) and a 16 KiB ring. Lossless strategies keep their"
            + " memory sizes.")
    private boolean lowLatency;

    @Option(names = "--classic-client",
        description = "Sluice's runs publish with Publication.offer and consume with Subscription.poll (each a copy "
            + "into a ring and a hop between threads), instead of claiming in exclusive publications and handling "
            + "messages on the event loop; to compare the client's paths.")
    private boolean classicClient;

    @Option(names = "--mixed-client",
        description = "max-throughput and latency-at-rate also run the client library with one end on its event loop "
            + "and the other with direct I/O, both ways (an exclusive publication to a DirectSubscription, a "
            + "DirectPublication to a callback subscription): which end's hand-off costs what.")
    private boolean mixedClient;

    @Option(names = "--ack",
        description = "max-throughput also runs the client library's subscriber with acknowledged delivery (the relay's"
            + " window, acknowledged as the handler returns) beside the unacknowledged one, and, with jetstream in"
            + " --peers, a durable acknowledged subscription on a spill stream against a durable JetStream consumer"
            + " that acknowledges; the goals add both ratios.")
    private boolean ack;

    @Option(names = "--relay-threads", defaultValue = "2",
        description = "Event loop threads of the in-process relay (default: ${DEFAULT-VALUE}).")
    private int relayThreads;

    @Option(names = "--stream-loop-affinity", paramLabel = "BOOL", arity = "0..1", fallbackValue = "true",
        defaultValue = "true",
        description = "The in-process relay's stream-loop-affinity: every connection of a stream on one event loop "
            + "(default: ${DEFAULT-VALUE}); false spreads them over the loops, to compare.")
    private boolean streamLoopAffinity;

    @Option(names = "--drain", defaultValue = "3", paramLabel = "S",
        description = "Longest time the consumers get to take the backlog once the producers stop; a run ends as"
            + " soon as every message is accounted for (default: ${DEFAULT-VALUE}).")
    private double drain;

    @Option(names = "--pages", defaultValue = "1", paramLabel = "N",
        description = "Live pages observer-cost plays: each fetches /lanes once a second (default: ${DEFAULT-VALUE}).")
    private int pages;

    @Option(names = "--rounds", defaultValue = "3", paramLabel = "N",
        description = "Pairs of runs (unwatched, watched) in observer-cost (default: ${DEFAULT-VALUE}).")
    private int rounds;

    @Option(names = "--json", paramLabel = "FILE",
        description = "Write every run as JSON to FILE (schema: docs/bench.md).")
    private Path json;

    @Option(names = "--charts", paramLabel = "DIR", description = "Write PNG charts per scenario into DIR.")
    private Path charts;

    // --rate as a number: set by validate(), LoadSpec.MAX_RATE for max.
    private double producerRate;

    /**
     * Checks the options together; {@code --peers none} becomes no peers.
     *
     * @param commandLine the command, for its usage on a bad option.
     * @throws ParameterException when an option is out of range or unknown.
     */
    void validate(final CommandLine commandLine)
    {
        if (duration <= 0 || warmup < 0 || size < 8 || size > MAX_SIZE || producers < 1 || consumers < 1
            || streams < 1 || connections < 1 || relayThreads < 1 || pages < 0 || rounds < 1 || tlsRate <= 0)
        {
            throw new ParameterException(commandLine, "--duration must be positive, --warmup not negative, "
                + "--size from 8 to " + MAX_SIZE + ", counts (and --relay-threads) at least 1, "
                + "--tls-rate positive");
        }
        if (peers.size() == 1 && "none".equals(peers.get(0)))
        {
            peers = List.of();
        }
        for (final String peer : peers)
        {
            if (!Peers.ALL.contains(peer))
            {
                throw new ParameterException(commandLine, "unknown peer '" + peer + "' (known: "
                    + String.join(", ", Peers.ALL) + ")");
            }
        }
        producerRate = parseRate(commandLine, rate);
    }

    /**
     * @return {@code --rate} in messages per second, {@link LoadSpec#MAX_RATE} for max.
     */
    double rate()
    {
        return producerRate;
    }

    /**
     * @return whether {@code --rate} was given as {@code max}.
     */
    boolean rateIsMax()
    {
        return "max".equals(rate);
    }

    List<String> scenarios()
    {
        return scenarios;
    }

    double duration()
    {
        return duration;
    }

    double warmup()
    {
        return warmup;
    }

    int size()
    {
        return size;
    }

    List<Double> rates()
    {
        return rates;
    }

    double tlsRate()
    {
        return tlsRate;
    }

    Double consumerRate()
    {
        return consumerRate;
    }

    int producers()
    {
        return producers;
    }

    int consumers()
    {
        return consumers;
    }

    int streams()
    {
        return streams;
    }

    int connections()
    {
        return connections;
    }

    String strategy()
    {
        return strategy;
    }

    List<String> strategies()
    {
        return strategies;
    }

    List<String> peers()
    {
        return peers;
    }

    boolean lowLatency()
    {
        return lowLatency;
    }

    boolean classicClient()
    {
        return classicClient;
    }

    boolean mixedClient()
    {
        return mixedClient;
    }

    boolean ack()
    {
        return ack;
    }

    int relayThreads()
    {
        return relayThreads;
    }

    boolean streamLoopAffinity()
    {
        return streamLoopAffinity;
    }

    double drain()
    {
        return drain;
    }

    int pages()
    {
        return pages;
    }

    int rounds()
    {
        return rounds;
    }

    Path json()
    {
        return json;
    }

    Path charts()
    {
        return charts;
    }

    /**
     * @return the load of one producer and one consumer on one stream, at {@code messagesPerSecond}, with the
     * options' payload, duration, warmup and drain.
     */
    LoadSpec steady(final double messagesPerSecond, final double consumerCap)
    {
        return LoadSpec.steady(size, messagesPerSecond, duration, consumerCap).withWarmup(nanos(warmup))
            .withDrain(nanos(drain));
    }

    static long nanos(final double seconds)
    {
        return (long)(seconds * 1e9);
    }

    static double parseRate(final CommandLine commandLine, final String text)
    {
        if ("max".equals(text))
        {
            return LoadSpec.MAX_RATE;
        }
        try
        {
            final double value = Double.parseDouble(text);
            if (value > 0)
            {
                return value;
            }
        }
        catch (final NumberFormatException ignored)
        {
            // Reported below.
        }
        throw new ParameterException(commandLine, "--rate must be a positive number or max, was " + text);
    }
}
