package io.sluice.server.config;

import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.Hello;
import io.sluice.server.security.SecurityConfig;
import io.sluice.server.bridge.BridgeConfig;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything a relay needs to start. Immutable; build one with {@link #builder()}.
 *
 * @param bindAddress address to listen on; 127.0.0.1 unless told otherwise.
 * @param port TCP port; 0 picks a free one (see {@code Relay.port()}).
 * @param ioThreads event loop threads.
 * @param maxFrameLength largest frame accepted, header included.
 * @param helloTimeoutMs how long a new connection has to complete its HELLO.
 * @param heartbeatIntervalMs how often heartbeats are sent.
 * @param heartbeatTimeoutMs how long a peer may stay silent while we read from it.
 * @param lowWaterMark Netty write-buffer low-water mark per connection, bytes.
 * @param highWaterMark Netty write-buffer high-water mark per connection, bytes.
 * @param maxReadBytes largest single socket read, bytes; with {@code maxReadsPerLoop} it bounds what arrives after
 *                     a producer is paused.
 * @param maxReadsPerLoop socket reads per event-loop pass per connection.
 * @param authToken token a HELLO must carry, or empty for none.
 * @param defaultStream settings of any stream not named in {@code streams}.
 * @param streams per-stream settings by name.
 * @param spillDirectory where the spill strategy's disk tiers live, one folder per stream and subscription.
 * @param shutdownGraceMs how long a graceful stop lets subscribers drain before connections close.
 * @param deadLetterDirectory where the dead-letter store keeps what drop policies dropped.
 * @param deadLetterQuotaBytes most disk the dead-letter store may use; 0 (the default) keeps no dead letters.
 * @param subscriberSendBufferBytes the kernel send buffer (SO_SNDBUF) of each subscriber's connection; 0 (the
 *                                  default) leaves it to the OS, which on Linux grows it to megabytes. A small one
 *                                  keeps what is in flight to a subscriber, and so its latency, small.
 * @param streamIdleTimeoutMs how long a stream no connection holds stays before it is removed, with its metrics;
 *                            streams named in {@code streams} stay.
 * @param maxStreams most streams not named in {@code streams} that may exist at once; a HELLO that would create one
 *                   more is refused with TOO_MANY_STREAMS.
 * @param security TLS, principals, connection limits (see {@code docs/security.md}).
 * @param bridges bridges to other systems (such as Kafka) the relay starts once it listens, in order; names unique.
 * @param streamLoopAffinity whether every connection of a stream runs on one event loop (the stream's, chosen in
 *                           turn as streams appear): a publisher's runs then reach their lanes without waking another
 *                           loop, which lowers latency; but one stream's traffic then has one thread. On by default.
 */
public record RelayConfig(
    String bindAddress,
    int port,
    int ioThreads,
    int maxFrameLength,
    int helloTimeoutMs,
    int heartbeatIntervalMs,
    int heartbeatTimeoutMs,
    int lowWaterMark,
    int highWaterMark,
    int maxReadBytes,
    int maxReadsPerLoop,
    String authToken,
    StreamConfig defaultStream,
    Map<String, StreamConfig> streams,
    java.nio.file.Path spillDirectory,
    int shutdownGraceMs,
    java.nio.file.Path deadLetterDirectory,
    long deadLetterQuotaBytes,
    int subscriberSendBufferBytes,
    int streamIdleTimeoutMs,
    int maxStreams,
    SecurityConfig security,
    List<BridgeConfig> bridges,
    boolean streamLoopAffinity)
{
    /** The port a relay listens on when none is given. */
    public static final int DEFAULT_PORT = 7440;
    /**
     * Default stream-idle-timeout: 5 minutes. Long enough for a publisher that restarts or reconnects with back-off
     * to find its stream (and its counters) again, and for a stream to appear in several scrapes at the usual
     * 15 s..1 min intervals before its series go; short enough that a relay flooded with new names is back to its
     * steady state within minutes.
     */
    public static final int DEFAULT_STREAM_IDLE_TIMEOUT_MS = 5 * 60 * 1000;
    /**
     * Default max-streams: 10000. Far above the streams one relay serves in practice (each has lanes, publishers and
     * a few /metrics lines), and low enough that a flood of names costs little: a few MiB of memory, a scrape of a
     * few MiB.
     */
    public static final int DEFAULT_MAX_STREAMS = 10_000;

    /**
     * @throws IllegalArgumentException naming the setting that is out of range.
     */
    public RelayConfig
    {
        require(bindAddress != null && !bindAddress.isBlank(), "bind must be an address");
        require(port >= 0 && port <= 65535, "port must be 0..65535, was " + port);
        require(ioThreads >= 1, "io-threads must be >= 1, was " + ioThreads);
        require(maxFrameLength >= FrameDescriptor.HEADER_LENGTH + 1,
            "max-frame-length must exceed the header (" + FrameDescriptor.HEADER_LENGTH + " bytes), was " +
                maxFrameLength);
        require(helloTimeoutMs > 0, "hello-timeout must be positive, was " + helloTimeoutMs + " ms");
        require(heartbeatIntervalMs > 0, "heartbeat-interval must be positive, was " + heartbeatIntervalMs + " ms");
        require(heartbeatTimeoutMs > heartbeatIntervalMs,
            "heartbeat-timeout (" + heartbeatTimeoutMs + " ms) must exceed heartbeat-interval (" + heartbeatIntervalMs +
                " ms)");
        require(lowWaterMark > 0 && highWaterMark >= lowWaterMark,
            "need 0 < low-water-mark (" + lowWaterMark + ") <= high-water-mark (" + highWaterMark + ")");
        require(maxReadBytes >= 1024, "max-read-bytes must be at least 1KiB, was " + maxReadBytes);
        require(maxReadsPerLoop >= 1, "max-reads-per-loop must be >= 1, was " + maxReadsPerLoop);
        require(authToken != null, "auth-token must not be null (use empty for none)");
        require(defaultStream != null, "default stream settings are required");
        require(spillDirectory != null, "spill-dir is required");
        require(deadLetterDirectory != null, "dead-letter-dir is required");
        require(deadLetterQuotaBytes == 0 || deadLetterQuotaBytes >= 1024 * 1024,
            "dead-letter-quota must be 0 (off) or at least 1MiB, was " + deadLetterQuotaBytes);
        require(subscriberSendBufferBytes >= 0, "subscriber-send-buffer must not be negative, was "
            + subscriberSendBufferBytes);
        require(shutdownGraceMs >= 0, "shutdown-grace must not be negative, was " + shutdownGraceMs + " ms");
        require(streamIdleTimeoutMs > 0, "stream-idle-timeout must be positive, was " + streamIdleTimeoutMs + " ms");
        require(maxStreams >= 1, "max-streams must be >= 1, was " + maxStreams);
        require(security != null, "security settings are required (SecurityConfig.DEFAULT for none)");
        require(authToken.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= Hello.MAX_TOKEN_LENGTH,
            "auth-token must be at most " + Hello.MAX_TOKEN_LENGTH + " bytes");
        streams = Map.copyOf(streams == null ? Map.of() : streams);
        for (final String name : streams.keySet())
        {
            final String problem = Hello.checkName("stream", name, false);
            require(problem == null, "streams." + name + ": " + problem);
        }
        bridges = List.copyOf(bridges == null ? List.of() : bridges);
        final Set<String> bridgeNames = new HashSet<>();
        for (final BridgeConfig bridge : bridges)
        {
            require(bridgeNames.add(bridge.name()), "bridges: two bridges are named '" + bridge.name()
                + "': give each a 'name' of its own");
        }
    }

    private static void require(final boolean condition, final String message)
    {
        if (!condition)
        {
            throw new IllegalArgumentException(message);
        }
    }

    /**
     * @param stream a stream name.
     * @return its settings: its own entry, else the default.
     */
    public StreamConfig streamConfig(final String stream)
    {
        return streams.getOrDefault(stream, defaultStream);
    }

    /**
     * @return a builder holding the defaults.
     */
    public static Builder builder()
    {
        return new Builder();
    }

    /**
     * @return a builder holding this config's values.
     */
    public Builder toBuilder()
    {
        final Builder b = new Builder();
        b.bindAddress = bindAddress;
        b.port = port;
        b.ioThreads = ioThreads;
        b.maxFrameLength = maxFrameLength;
        b.helloTimeoutMs = helloTimeoutMs;
        b.heartbeatIntervalMs = heartbeatIntervalMs;
        b.heartbeatTimeoutMs = heartbeatTimeoutMs;
        b.lowWaterMark = lowWaterMark;
        b.highWaterMark = highWaterMark;
        b.maxReadBytes = maxReadBytes;
        b.maxReadsPerLoop = maxReadsPerLoop;
        b.authToken = authToken;
        b.defaultStream = defaultStream;
        b.streams.putAll(streams);
        b.spillDirectory = spillDirectory;
        b.shutdownGraceMs = shutdownGraceMs;
        b.deadLetterDirectory = deadLetterDirectory;
        b.deadLetterQuotaBytes = deadLetterQuotaBytes;
        b.subscriberSendBufferBytes = subscriberSendBufferBytes;
        b.streamIdleTimeoutMs = streamIdleTimeoutMs;
        b.maxStreams = maxStreams;
        b.security = security;
        b.bridges.addAll(bridges);
        b.streamLoopAffinity = streamLoopAffinity;
        return b;
    }

    /**
     * Mutable holder of settings, starting from the defaults.
     */
    public static final class Builder
    {
        private String bindAddress = "127.0.0.1";
        private int port = DEFAULT_PORT;
        private int ioThreads = Math.max(2, Runtime.getRuntime().availableProcessors());
        private int maxFrameLength = FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH;
        private int helloTimeoutMs = 5_000;
        private int heartbeatIntervalMs = 1_000;
        private int heartbeatTimeoutMs = 10_000;
        private int lowWaterMark = 32 * 1024;
        private int highWaterMark = 64 * 1024;
        private int maxReadBytes = 64 * 1024;
        private int maxReadsPerLoop = 4;
        private String authToken = "";
        private StreamConfig defaultStream = StreamConfig.DEFAULT;
        private final Map<String, StreamConfig> streams = new LinkedHashMap<>();
        private java.nio.file.Path spillDirectory = java.nio.file.Path.of("sluice-spill");
        private int shutdownGraceMs = 5_000;
        private java.nio.file.Path deadLetterDirectory = java.nio.file.Path.of("sluice-dead-letter");
        private long deadLetterQuotaBytes;
        private int subscriberSendBufferBytes;
        private int streamIdleTimeoutMs = DEFAULT_STREAM_IDLE_TIMEOUT_MS;
        private int maxStreams = DEFAULT_MAX_STREAMS;
        private SecurityConfig security = SecurityConfig.DEFAULT;
        private final List<BridgeConfig> bridges = new ArrayList<>();
        private boolean streamLoopAffinity = true;

        private Builder()
        {
        }

        /** @return this. */
        public Builder bindAddress(final String bindAddress)
        {
            this.bindAddress = bindAddress;
            return this;
        }

        /** @return this. */
        public Builder port(final int port)
        {
            this.port = port;
            return this;
        }

        /** @return this. */
        public Builder ioThreads(final int ioThreads)
        {
            this.ioThreads = ioThreads;
            return this;
        }

        /** @return this. */
        public Builder maxFrameLength(final int maxFrameLength)
        {
            this.maxFrameLength = maxFrameLength;
            return this;
        }

        /** @return this. */
        public Builder helloTimeoutMs(final int helloTimeoutMs)
        {
            this.helloTimeoutMs = helloTimeoutMs;
            return this;
        }

        /** @return this. */
        public Builder heartbeatIntervalMs(final int heartbeatIntervalMs)
        {
            this.heartbeatIntervalMs = heartbeatIntervalMs;
            return this;
        }

        /** @return this. */
        public Builder heartbeatTimeoutMs(final int heartbeatTimeoutMs)
        {
            this.heartbeatTimeoutMs = heartbeatTimeoutMs;
            return this;
        }

        /** @return this. */
        public Builder waterMarks(final int low, final int high)
        {
            this.lowWaterMark = low;
            this.highWaterMark = high;
            return this;
        }

        /** @return this. */
        public Builder maxReadBytes(final int maxReadBytes)
        {
            this.maxReadBytes = maxReadBytes;
            return this;
        }

        /** @return this. */
        public Builder maxReadsPerLoop(final int maxReadsPerLoop)
        {
            this.maxReadsPerLoop = maxReadsPerLoop;
            return this;
        }

        /** @return this. */
        public Builder authToken(final String authToken)
        {
            this.authToken = authToken;
            return this;
        }

        /** @return this. */
        public Builder defaultStream(final StreamConfig defaultStream)
        {
            this.defaultStream = defaultStream;
            return this;
        }

        /** @return this. */
        public Builder stream(final String name, final StreamConfig config)
        {
            this.streams.put(name, config);
            return this;
        }

        /** @return this. */
        public Builder spillDirectory(final java.nio.file.Path spillDirectory)
        {
            this.spillDirectory = spillDirectory;
            return this;
        }

        /** @return this. */
        public Builder shutdownGraceMs(final int shutdownGraceMs)
        {
            this.shutdownGraceMs = shutdownGraceMs;
            return this;
        }

        /** @return this. */
        public Builder deadLetterDirectory(final java.nio.file.Path deadLetterDirectory)
        {
            this.deadLetterDirectory = deadLetterDirectory;
            return this;
        }

        /** @return this. */
        public Builder deadLetterQuotaBytes(final long deadLetterQuotaBytes)
        {
            this.deadLetterQuotaBytes = deadLetterQuotaBytes;
            return this;
        }

        /** @return this. */
        public Builder subscriberSendBufferBytes(final int subscriberSendBufferBytes)
        {
            this.subscriberSendBufferBytes = subscriberSendBufferBytes;
            return this;
        }

        /** @return this. */
        public Builder streamIdleTimeoutMs(final int streamIdleTimeoutMs)
        {
            this.streamIdleTimeoutMs = streamIdleTimeoutMs;
            return this;
        }

        /** @return this. */
        public Builder maxStreams(final int maxStreams)
        {
            this.maxStreams = maxStreams;
            return this;
        }

        /** @return this. */
        public Builder streamLoopAffinity(final boolean streamLoopAffinity)
        {
            this.streamLoopAffinity = streamLoopAffinity;
            return this;
        }

        /** @return this. */
        public Builder security(final SecurityConfig security)
        {
            this.security = security;
            return this;
        }

        /** @return the current security settings (to derive from). */
        public SecurityConfig security()
        {
            return security;
        }

        /** @return this, with one more bridge after those added before. */
        public Builder bridge(final BridgeConfig bridge)
        {
            this.bridges.add(bridge);
            return this;
        }

        /** @return the current default stream settings (to derive from). */
        public StreamConfig defaultStream()
        {
            return defaultStream;
        }

        /**
         * @return the config.
         * @throws IllegalArgumentException naming the setting that is out of range.
         */
        public RelayConfig build()
        {
            return new RelayConfig(bindAddress, port, ioThreads, maxFrameLength, helloTimeoutMs, heartbeatIntervalMs,
                heartbeatTimeoutMs, lowWaterMark, highWaterMark, maxReadBytes, maxReadsPerLoop, authToken,
                defaultStream, streams, spillDirectory, shutdownGraceMs, deadLetterDirectory, deadLetterQuotaBytes,
                subscriberSendBufferBytes, streamIdleTimeoutMs, maxStreams, security, bridges, streamLoopAffinity);
        }
    }
}
