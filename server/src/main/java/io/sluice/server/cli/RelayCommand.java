package io.sluice.server.cli;

import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.server.Relay;
import io.sluice.server.config.AckWindowLimit;
import io.sluice.server.config.OnStuck;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.config.RelayConfigFile;
import io.sluice.server.config.StreamConfig;
import io.sluice.server.config.StuckPolicy;
import io.sluice.server.drop.DropPolicySpec;
import io.sluice.server.metrics.PrometheusEndpoint;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * {@code sluice relay}: runs a relay until the process is told to stop (SIGTERM, Ctrl-C). SIGHUP reloads the
 * principals file, the TLS files and the metrics token file (see docs/security.md).
 * <p>
 * Settings come from the defaults, then the {@code --config} file, then the command-line flags given, each
 * overriding the one before. Once listening, the command prints one line to stdout,
 * {@code sluice relay listening on <bind>:<port>} (with the port actually bound, so {@code --port 0} is usable
 * from scripts; an IPv6 address is shown in brackets). SIGTERM or Ctrl-C closes the relay cleanly and the process
 * exits 0; a second signal exits at once.
 * Exit codes otherwise: 1 when the relay cannot start (e.g. the port is taken), 2 for a usage or configuration
 * error, reported on stderr as {@code sluice relay: <message>}.
 */
@Command(name = "relay", mixinStandardHelpOptions = true, versionProvider = RelayCommand.Version.class,
    sortOptions = false, usageHelpAutoWidth = true,
    description = {
        "Runs a Sluice relay: publishers send messages to named streams and the relay forwards them to every "
            + "subscriber of the stream, slowing publishers down when a subscriber falls behind.",
        "Settings come from the defaults, then --config FILE, then the flags given here (flags win).",
        "BYTES is a number of bytes, or a number with a unit: B, KiB, MiB, GiB (powers of 1024) or KB, MB, GB "
            + "(powers of 1000), as in 8MiB."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:help or version shown; or stopped by SIGTERM or Ctrl-C after closing the relay cleanly",
        "1:could not start (e.g. the port or the metrics port is in use)",
        "2:bad command line or configuration",
        "128+N:a second signal N arrived while closing: exited at once"})
public final class RelayCommand implements Callable<Integer>
{
    /** Exit code when the relay cannot start. */
    static final int EXIT_CANNOT_START = 1;
    /** Exit code for a configuration error; picocli uses the same one for command-line errors. */
    static final int EXIT_CONFIG = 2;
    /** System property logback.xml reads to choose the log format. */
    static final String LOG_FORMAT_PROPERTY = "sluice.log.format";

    @Spec
    private CommandSpec spec;

    // Boxed and without picocli defaults: null means "not given", so that only the flags given override the file.
    @Option(names = "--port", paramLabel = "P",
        description = "TCP port to listen on; 0 picks a free one (default: " + RelayConfig.DEFAULT_PORT + ").")
    private Integer port;

    @Option(names = "--bind", paramLabel = "ADDR", description = "Address to listen on (default: 127.0.0.1).")
    private String bind;

    @Option(names = "--config", paramLabel = "FILE",
        description = "YAML config file (see docs/configuration.md); flags given here override it.")
    private Path configFile;

    @Option(names = "--io-threads", paramLabel = "N",
        description = "Event-loop threads (default: the number of CPUs, at least 2).")
    private Integer ioThreads;

    @Option(names = "--max-frame-length", paramLabel = "BYTES", converter = OptionConverters.IntBytes.class,
        description = "Largest frame accepted, header included, e.g. 1MiB (default: "
            + FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH + " bytes).")
    private Integer maxFrameLength;

    @Option(names = "--strategy", paramLabel = "NAME", converter = OptionConverters.StrategyName.class,
        completionCandidates = OptionConverters.StrategyNames.class,
        description = "What a stream does when a subscriber falls behind (default: throttle; known: "
            + "${COMPLETION-CANDIDATES}); a drop policy's name means buffer, then that policy when full. Applies to"
            + " streams not listed under 'streams' in the config file.")
    private String strategy;

    @Option(names = "--on-full", paramLabel = "POLICY",
        description = "What a lane does when its tiers are full (default: throttle; or drop-newest, drop-oldest,"
            + " latest-by-key, sample, deadline, or a custom DropPolicy's name or class). Needs --strategy buffer or"
            + " spill.")
    private String onFull;

    @Option(names = "--on-stuck", paramLabel = "ACTION",
        description = "What a stream does with a subscriber that had messages waiting and took no byte of them for"
            + " --stuck-after: wait (only mark it stuck), evict (ERROR SLOW_CONSUMER and close), detach (a durable"
            + " subscription's backlog goes to its disk tier, then as evict; evict for any other lane). Default:"
            + " wait. Applies to streams not listed under 'streams' in the config file.")
    private String onStuck;

    @Option(names = "--inactive-after", paramLabel = "DURATION", converter = OptionConverters.InactiveAfterMillis.class,
        description = "How long a durable subscription may go without a connection before its disk tier is deleted"
            + " (its messages with it), e.g. 7d, 12h; never (the default) keeps it for ever")
    private Long inactiveAfter;

    @Option(names = "--stuck-after", paramLabel = "DURATION", converter = OptionConverters.Millis.class,
        description = "How long a subscriber may take no byte of what waits for it before it is marked stuck and"
            + " --on-stuck acts, e.g. 30s (default: 30s).")
    private Integer stuckAfter;

    @Option(names = "--ack-window", paramLabel = "N",
        description = "Most messages sent to a subscriber that asked for acknowledged delivery and not yet"
            + " acknowledged; a subscriber may ask for fewer, never more (default: " + AckWindowLimit.DEFAULT_MESSAGES
            + "). Applies to streams not listed under 'streams' in the config file.")
    private Integer ackWindow;

    @Option(names = "--ack-window-bytes", paramLabel = "BYTES", converter = OptionConverters.IntBytes.class,
        description = "Most bytes of frames sent to an acknowledging subscriber and not yet acknowledged, held in the"
            + " relay's memory until they are, e.g. 4MiB (at least 1KiB; default: " + AckWindowLimit.DEFAULT_BYTES
            + " bytes). Applies to streams not listed under 'streams' in the config file.")
    private Integer ackWindowBytes;

    @Option(names = "--deadline", paramLabel = "DURATION", converter = OptionConverters.Nanos.class,
        description = "Age past which the deadline policy drops a message instead of delivering it, e.g. 5ms, 250us"
            + " (default: 100ms).")
    private Long deadline;

    @Option(names = "--dead-letter-dir", paramLabel = "DIR",
        description = "Where dropped messages are kept when --dead-letter-quota is set"
            + " (default: ./sluice-dead-letter).")
    private Path deadLetterDir;

    @Option(names = "--dead-letter-quota", paramLabel = "BYTES", converter = OptionConverters.Bytes.class,
        description = "Keep what drop policies drop, up to this much disk, e.g. 1GiB (default: 0, keep nothing);"
            + " see `sluice dead-letter`.")
    private Long deadLetterQuota;

    @Option(names = "--subscriber-send-buffer", paramLabel = "BYTES", converter = OptionConverters.IntBytes.class,
        description = "Kernel send buffer of each subscriber connection, e.g. 16KiB; small keeps latency low under"
            + " drop policies (default: the OS's, which grows to megabytes).")
    private Integer subscriberSendBuffer;

    @Option(names = "--sample-every", paramLabel = "N",
        description = "The sample policy keeps one message in N while a lane is over half full (default: 10).")
    private Integer sampleEvery;

    @Option(names = "--lane-bytes", paramLabel = "BYTES", converter = OptionConverters.Bytes.class,
        description = "Bytes a subscriber's lane may hold before the strategy acts, e.g. 256KiB (default: "
            + StreamConfig.DEFAULT_LANE_BYTES + " bytes). Applies to streams not listed under 'streams' in the config"
            + " file.")
    private Long laneBytes;

    @Option(names = "--memory", paramLabel = "BYTES", converter = OptionConverters.Bytes.class,
        description = "Memory tier of each lane under the buffer and spill strategies, e.g. 8MiB (rounded down to a "
            + "power of two; default: " + StreamConfig.DEFAULT_MEMORY_BYTES + " bytes).")
    private Long memory;

    @Option(names = "--spill-dir", paramLabel = "DIR",
        description = "Directory of the spill strategy's disk tier (default: ./sluice-spill).")
    private Path spillDir;

    @Option(names = "--shutdown-grace", paramLabel = "D", converter = OptionConverters.Millis.class,
        description = "On SIGTERM, how long to let subscribers drain before closing connections, e.g. 5s, 500ms "
            + "(default: 5s; 0 closes at once). A second signal exits at once.")
    private Integer shutdownGrace;

    @Option(names = "--stream-idle-timeout", paramLabel = "D", converter = OptionConverters.Millis.class,
        description = "How long a stream without publishers or subscribers stays before it is removed with its "
            + "metrics, e.g. 5m, 30s (default: 5m). Streams listed in the config file stay.")
    private Integer streamIdleTimeout;

    @Option(names = "--max-streams", paramLabel = "N",
        description = "Most streams not listed in the config file that may exist at once; a HELLO for one more is "
            + "refused with TOO_MANY_STREAMS (default: " + RelayConfig.DEFAULT_MAX_STREAMS + ").")
    private Integer maxStreams;

    @Option(names = "--stream-loop-affinity", paramLabel = "BOOL", arity = "0..1", fallbackValue = "true",
        description = "Run every connection of a stream on one event loop (the stream's): lower latency, but one "
            + "stream's traffic on one thread (default: true; false spreads a stream's connections over the loops).")
    private Boolean streamLoopAffinity;

    @Option(names = "--spill-quota", paramLabel = "BYTES", converter = OptionConverters.Bytes.class,
        description = "Most disk each lane's disk tier may use, e.g. 2GiB (default: "
            + StreamConfig.DEFAULT_SPILL_QUOTA_BYTES + " bytes).")
    private Long spillQuota;

    @Option(names = "--auth-token", paramLabel = "TOKEN",
        description = "Token every client's HELLO must carry (default: none). Prefer auth-token in the config "
            + "file: command lines are visible to other users of the machine.")
    private String authToken;

    @Mixin
    private SecurityOptions securityOptions = new SecurityOptions();

    @Option(names = "--metrics-port", paramLabel = "P",
        description = "Serve Prometheus metrics on http://ADDR:P/metrics and readiness on /health, on the relay's "
            + "bind address (default: off); 0 picks a free port. See docs/operations.md.")
    private Integer metricsPort;

    @Option(names = "--log-format", paramLabel = "FORMAT", converter = OptionConverters.LogFormatName.class,
        description = "Log lines on stderr as 'text' (default) or 'json' (one JSON object per line, for log "
            + "shippers); the environment variable SLUICE_LOG_FORMAT does the same.")
    private String logFormat;

    /**
     * Runs the command and exits with its code.
     *
     * @param args command-line arguments.
     */
    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new RelayCommand()).execute(args));
    }

    /**
     * Starts the relay and blocks until the JVM shuts down.
     *
     * @return 0 once the relay is closed, 1 when it cannot start, 2 for a configuration error.
     */
    @Override
    public Integer call()
    {
        final PrintWriter err = spec.commandLine().getErr();
        if (logFormat != null)
        {
            // Read by the launcher's log encoder (logback.xml) when logging starts, which is after this: nothing
            // has logged yet.
            System.setProperty(LOG_FORMAT_PROPERTY, logFormat);
        }
        if (metricsPort != null && (metricsPort < 0 || metricsPort > 65535))
        {
            return fail(err, "bad value for --metrics-port: " + metricsPort + " is not a port (0..65535)", EXIT_CONFIG);
        }
        final RelayConfig config;
        try
        {
            config = buildConfig();
        }
        catch (final IllegalArgumentException ex)
        {
            return fail(err, ex.getMessage(), EXIT_CONFIG);
        }

        final Relay relay;
        try
        {
            relay = Relay.start(config);
        }
        catch (final IllegalStateException ex)
        {
            return fail(err, ex.getMessage(), EXIT_CANNOT_START);
        }
        catch (final IllegalArgumentException ex)
        {
            // A TLS or principals file that cannot be read or does not check; a bridge's settings (the config
            // file's are checked as it is read; this is for what only start finds).
            return fail(err, ex.getMessage(), EXIT_CONFIG);
        }
        // Started only now that the relay accepts connections, so /health answers "ready" from its first request.
        final PrometheusEndpoint metricsEndpoint;
        try
        {
            metricsEndpoint = metricsPort == null ? null : PrometheusEndpoint.start(relay, metricsPort);
        }
        catch (final IllegalStateException ex)
        {
            relay.close();
            return fail(err, ex.getMessage(), EXIT_CANNOT_START);
        }

        // SIGTERM or Ctrl-C asks for a clean stop: close the relay, exit 0. A second signal exits at once.
        final CountDownLatch stopRequested = new CountDownLatch(1);
        final AtomicBoolean stopping = new AtomicBoolean();
        final SignalHandler onSignal = signal ->
        {
            if (!stopping.compareAndSet(false, true))
            {
                Runtime.getRuntime().halt(128 + signal.getNumber());
            }
            stopRequested.countDown();
        };
        Signal.handle(new Signal("TERM"), onSignal);
        Signal.handle(new Signal("INT"), onSignal);
        // SIGHUP reloads the security files; the relay keeps the ones in use when the new ones do not check.
        Signal.handle(new Signal("HUP"), signal -> relay.security().reload());

        // Printed only once the handlers are in place: whoever reads this line may signal us straight away.
        final PrintWriter out = spec.commandLine().getOut();
        out.println("sluice relay listening on " + hostForDisplay(config.bindAddress()) + ":" + relay.port());
        out.flush();

        try
        {
            stopRequested.await();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        if (metricsEndpoint != null)
        {
            metricsEndpoint.markStopping(); // /health answers 503 while the relay closes
        }
        relay.close(java.time.Duration.ofMillis(config.shutdownGraceMs()));
        if (metricsEndpoint != null)
        {
            metricsEndpoint.close();
        }
        return 0;
    }

    /**
     * The settings this command would run with: defaults, then the config file, then the flags given.
     *
     * @return the config.
     * @throws IllegalArgumentException naming the setting (and file) at fault.
     */
    RelayConfig buildConfig()
    {
        final RelayConfig.Builder builder = RelayConfig.builder();
        if (configFile != null)
        {
            RelayConfigFile.load(configFile, builder);
        }
        if (bind != null)
        {
            builder.bindAddress(bind);
        }
        if (port != null)
        {
            builder.port(port);
        }
        if (ioThreads != null)
        {
            builder.ioThreads(ioThreads);
        }
        if (maxFrameLength != null)
        {
            builder.maxFrameLength(maxFrameLength);
        }
        if (authToken != null)
        {
            builder.authToken(authToken);
        }
        if (spillDir != null)
        {
            builder.spillDirectory(spillDir);
        }
        if (subscriberSendBuffer != null)
        {
            builder.subscriberSendBufferBytes(subscriberSendBuffer);
        }
        if (deadLetterDir != null)
        {
            builder.deadLetterDirectory(deadLetterDir);
        }
        if (deadLetterQuota != null)
        {
            builder.deadLetterQuotaBytes(deadLetterQuota);
        }
        if (shutdownGrace != null)
        {
            builder.shutdownGraceMs(shutdownGrace);
        }
        if (streamIdleTimeout != null)
        {
            builder.streamIdleTimeoutMs(streamIdleTimeout);
        }
        if (maxStreams != null)
        {
            builder.maxStreams(maxStreams);
        }
        if (streamLoopAffinity != null)
        {
            builder.streamLoopAffinity(streamLoopAffinity);
        }
        builder.security(securityOptions.applyTo(builder.security()));
        if (strategy != null || laneBytes != null || memory != null || spillQuota != null || onFull != null
            || deadline != null || sampleEvery != null || onStuck != null || stuckAfter != null
            || inactiveAfter != null || ackWindow != null || ackWindowBytes != null)
        {
            final StreamConfig base = builder.defaultStream();
            try
            {
                final StreamConfig named = strategy != null ? base.withStrategyName(strategy) : base;
                builder.defaultStream(new StreamConfig(named.strategy(),
                    laneBytes != null ? laneBytes : base.laneBytes(), base.laneRuns(),
                    memory != null ? memory : base.memoryBytes(),
                    spillQuota != null ? spillQuota : base.spillQuotaBytes(), onFullPolicy(named.onFull()),
                    stuckPolicy(base.stuck()), inactiveAfter != null ? inactiveAfter : base.inactiveAfterMs(),
                    ackWindowLimit(base.ackWindow())));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException("bad value: " + ex.getMessage(), ex);
            }
        }
        return builder.build();
    }

    private StuckPolicy stuckPolicy(final StuckPolicy base)
    {
        final StuckPolicy acting = onStuck == null ? base : base.withOnStuck(OnStuck.parse(onStuck));
        return stuckAfter == null ? acting : acting.withStuckAfterMs(stuckAfter);
    }

    private AckWindowLimit ackWindowLimit(final AckWindowLimit base)
    {
        final AckWindowLimit counted = ackWindow == null ? base : base.withMessages(ackWindow);
        return ackWindowBytes == null ? counted : counted.withBytes(ackWindowBytes);
    }

    private DropPolicySpec onFullPolicy(final DropPolicySpec named)
    {
        DropPolicySpec spec = onFull == null ? named : named.named(onFull);
        if (deadline != null)
        {
            spec = spec.requirePolicy("--deadline", "deadline").withDeadlineNanos(deadline);
        }
        if (sampleEvery != null)
        {
            spec = spec.requirePolicy("--sample-every", "sample").withSampleEvery(sampleEvery);
        }
        return spec;
    }

    private static int fail(final PrintWriter err, final String message, final int exitCode)
    {
        err.println("sluice relay: " + message);
        err.flush();
        return exitCode;
    }

    /** Brackets an IPv6 literal so that the port after the last ':' stays unambiguous. */
    private static String hostForDisplay(final String bindAddress)
    {
        return bindAddress.indexOf(':') >= 0 && !bindAddress.startsWith("[") ? "[" + bindAddress + "]" : bindAddress;
    }

    /** The version from the jar manifest, when there is one. */
    public static final class Version implements IVersionProvider
    {
        @Override
        public String[] getVersion()
        {
            final String version = RelayCommand.class.getPackage().getImplementationVersion();
            return new String[] {"sluice relay " + (version != null ? version : "(development build)")};
        }
    }
}
