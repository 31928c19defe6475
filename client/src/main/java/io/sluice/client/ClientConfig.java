package io.sluice.client;

import io.sluice.core.protocol.Hello;

import java.util.concurrent.Executor;

/**
 * Settings of a {@link SluiceClient}.
 *
 * @param host relay host.
 * @param port relay port.
 * @param ioThreads event loop threads shared by the client's connections; 0 for none, the invoker mode: the client's
 *                  connections then do their I/O only when the thread that runs the client calls
 *                  {@link SluiceClient#doWork()} (see {@link SluiceClient}).
 * @param maxMessageLength largest payload this client sends (a publication also takes no more than the relay's
 *                         max-frame-length allows); sizes its rings, eight frames each. A subscription receives
 *                         whatever the relay's WELCOME announces: a frame longer than a ring record is held aside,
 *                         one at a time.
 * @param connectTimeoutMs how long connecting plus the HELLO/WELCOME handshake may take.
 * @param heartbeatIntervalMs how often to send heartbeats until the relay's WELCOME, whose interval every connection
 *                            then adopts (protocol.md §5), so that an idle one outlives the relay's timeout.
 * @param heartbeatTimeoutMs how long the relay may stay silent while we read; the relay's own timeout instead when
 *                           this is not above the interval it announced.
 * @param authToken token sent in HELLO, or empty.
 * @param receiveBufferBytes the kernel receive buffer (SO_RCVBUF) of each connection; 0 leaves it to the OS, which on
 *                           Linux grows it to megabytes. Not the way to low latency under a drop policy: on Linux a
 *                           buffer of a few KiB can leave TCP a window smaller than the segment the relay waits to
 *                           fill, and delivery then crawls at one window per 200 ms probe. Bound what waits on the
 *                           way with acknowledged delivery and a small window instead
 *                           ({@link SubscribeOptions#window(int, int)}), and keep the subscription ring small.
 * @param subscriptionRingBytes the least size of a subscription's ring, which holds what arrived and was not yet
 *                              polled; at least eight frames of {@code maxMessageLength} whatever this says.
 * @param callbackExecutor where the futures of {@link Publication#sendAsync} complete, and so where the stages
 *                         chained to them without an executor of their own ({@code thenAccept}...) run; null for the
 *                         client's own: one daemon thread per client, started on first use, which completes them one at
 *                         a time in sequence order. Never the event loop: a callback that blocks would stop every
 *                         connection sharing that loop.
 * @param tls TLS settings for a relay whose port takes TLS; null for plain TCP.
 */
public record ClientConfig(
    String host,
    int port,
    int ioThreads,
    int maxMessageLength,
    int connectTimeoutMs,
    int heartbeatIntervalMs,
    int heartbeatTimeoutMs,
    String authToken,
    int receiveBufferBytes,
    int subscriptionRingBytes,
    Executor callbackExecutor,
    ClientTls tls)
{
    /** Default least size of a subscription's ring: 256 KiB. */
    public static final int DEFAULT_SUBSCRIPTION_RING_BYTES = 256 * 1024;

    /** Default largest payload: 64 KiB. */
    public static final int DEFAULT_MAX_MESSAGE_LENGTH = 64 * 1024;

    /**
     * @throws IllegalArgumentException naming the setting that is out of range.
     */
    public ClientConfig
    {
        if (host == null || host.isBlank())
        {
            throw new IllegalArgumentException("host is required");
        }
        if (port <= 0 || port > 65535)
        {
            throw new IllegalArgumentException("port must be 1..65535, was " + port);
        }
        if (ioThreads < 0)
        {
            throw new IllegalArgumentException("ioThreads must be >= 0 (0: the application's thread runs the I/O in "
                + "SluiceClient.doWork), was " + ioThreads);
        }
        if (maxMessageLength < 1 || maxMessageLength > 16 * 1024 * 1024)
        {
            throw new IllegalArgumentException("maxMessageLength must be 1..16MiB, was " + maxMessageLength);
        }
        if (connectTimeoutMs < 1)
        {
            throw new IllegalArgumentException("connectTimeoutMs must be positive, was " + connectTimeoutMs);
        }
        if (heartbeatIntervalMs < 1 || heartbeatTimeoutMs <= heartbeatIntervalMs)
        {
            throw new IllegalArgumentException("need 0 < heartbeatIntervalMs (" + heartbeatIntervalMs +
                ") < heartbeatTimeoutMs (" + heartbeatTimeoutMs + ")");
        }
        if (subscriptionRingBytes < 1024 || subscriptionRingBytes > (1 << 30))
        {
            throw new IllegalArgumentException(
                "subscriptionRingBytes must be 1KiB..1GiB, was " + subscriptionRingBytes);
        }
        if (receiveBufferBytes < 0)
        {
            throw new IllegalArgumentException("receiveBufferBytes must not be negative, was " + receiveBufferBytes);
        }
        if (authToken == null || authToken.length() > Hello.MAX_TOKEN_LENGTH)
        {
            throw new IllegalArgumentException("authToken must be at most " + Hello.MAX_TOKEN_LENGTH + " bytes");
        }
    }

    /**
     * @param host relay host.
     * @param port relay port.
     * @return defaults for everything else.
     */
    public static ClientConfig of(final String host, final int port)
    {
        return new ClientConfig(host, port, 1, DEFAULT_MAX_MESSAGE_LENGTH, 5_000, 1_000, 10_000, "", 0,
            DEFAULT_SUBSCRIPTION_RING_BYTES, null, null);
    }

    /** @return a copy with another auth token. */
    public ClientConfig withAuthToken(final String token)
    {
        return new ClientConfig(host, port, ioThreads, maxMessageLength, connectTimeoutMs, heartbeatIntervalMs,
            heartbeatTimeoutMs, token, receiveBufferBytes, subscriptionRingBytes, callbackExecutor, tls);
    }

    /** @return a copy with another maximum message length. */
    public ClientConfig withMaxMessageLength(final int length)
    {
        return new ClientConfig(host, port, ioThreads, length, connectTimeoutMs, heartbeatIntervalMs,
            heartbeatTimeoutMs, authToken, receiveBufferBytes, subscriptionRingBytes, callbackExecutor, tls);
    }

    /** @return a copy with another connect timeout (connecting plus the HELLO/WELCOME handshake). */
    public ClientConfig withConnectTimeoutMs(final int timeoutMs)
    {
        return new ClientConfig(host, port, ioThreads, maxMessageLength, timeoutMs, heartbeatIntervalMs,
            heartbeatTimeoutMs, authToken, receiveBufferBytes, subscriptionRingBytes, callbackExecutor, tls);
    }

    /** @return a copy with other heartbeat settings. */
    public ClientConfig withHeartbeat(final int intervalMs, final int timeoutMs)
    {
        return new ClientConfig(host, port, ioThreads, maxMessageLength, connectTimeoutMs, intervalMs, timeoutMs,
            authToken, receiveBufferBytes, subscriptionRingBytes, callbackExecutor, tls);
    }

    /**
     * @return whether the application's thread runs the client's I/O, in {@link SluiceClient#doWork()}: no event loop
     * thread of the client's own ({@code ioThreads} 0).
     */
    public boolean isInvoked()
    {
        return ioThreads == 0;
    }

    /**
     * @return a copy in the invoker mode: the thread that runs the client does its I/O in {@link SluiceClient#doWork()}
     * ({@code ioThreads} 0).
     */
    public ClientConfig withInvoker()
    {
        return withIoThreads(0);
    }

    /** @return a copy with another io thread count (0: the invoker mode). */
    public ClientConfig withIoThreads(final int threads)
    {
        return new ClientConfig(host, port, threads, maxMessageLength, connectTimeoutMs, heartbeatIntervalMs,
            heartbeatTimeoutMs, authToken, receiveBufferBytes, subscriptionRingBytes, callbackExecutor, tls);
    }

    /** @return a copy with another kernel receive buffer size (0: the OS's). */
    public ClientConfig withReceiveBufferBytes(final int bytes)
    {
        return new ClientConfig(host, port, ioThreads, maxMessageLength, connectTimeoutMs, heartbeatIntervalMs,
            heartbeatTimeoutMs, authToken, bytes, subscriptionRingBytes, callbackExecutor, tls);
    }

    /** @return a copy with another least subscription ring size. */
    public ClientConfig withSubscriptionRingBytes(final int bytes)
    {
        return new ClientConfig(host, port, ioThreads, maxMessageLength, connectTimeoutMs, heartbeatIntervalMs,
            heartbeatTimeoutMs, authToken, receiveBufferBytes, bytes, callbackExecutor, tls);
    }

    /**
     * @param executor where {@link Publication#sendAsync} futures complete; null for the client's own thread.
     * @return a copy with another callback executor.
     */
    public ClientConfig withCallbackExecutor(final Executor executor)
    {
        return new ClientConfig(host, port, ioThreads, maxMessageLength, connectTimeoutMs, heartbeatIntervalMs,
            heartbeatTimeoutMs, authToken, receiveBufferBytes, subscriptionRingBytes, executor, tls);
    }

    /**
     * @param tls TLS settings, or null for plain TCP.
     * @return a copy that connects with TLS.
     */
    public ClientConfig withTls(final ClientTls tls)
    {
        return new ClientConfig(host, port, ioThreads, maxMessageLength, connectTimeoutMs, heartbeatIntervalMs,
            heartbeatTimeoutMs, authToken, receiveBufferBytes, subscriptionRingBytes, callbackExecutor, tls);
    }
}
