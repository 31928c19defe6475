package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameType;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.security.SecurityMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.sluice.server.RawFrames.hello;
import static io.sluice.server.TlsTest.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The relay-wide limits on connections over real sockets: past max-unauthenticated-connections or max-connections a
 * new connection is answered TOO_MANY_CONNECTIONS naming the limit, at once, and closed; a flood of 10,000 connections
 * that never send a HELLO keeps at most max-unauthenticated-connections of them open on the relay while a pair
 * connected before goes on delivering.
 */
class ConnectionLimitsTest
{
    private static final int PUBLISHER = 1;

    private Relay relay;
    private HealthyPair healthy;

    @AfterEach
    void stop()
    {
        if (healthy != null)
        {
            healthy.close();
        }
        if (relay != null)
        {
            relay.close();
        }
    }

    private void start(final int maxConnections, final int maxUnauthenticated) throws Exception
    {
        final RelayConfig.Builder builder = RelayConfig.builder().port(0).ioThreads(2).helloTimeoutMs(30_000);
        relay = Relay.start(
            builder.security(builder.security().withConnectionLimits(maxConnections, maxUnauthenticated)).build());
        healthy = new HealthyPair(ClientConfig.of("127.0.0.1", relay.port()), "healthy");
        healthy.assertFlows(100);
    }

    @Test
    void pastEitherLimitANewConnectionIsToldWhichAndClosed() throws Exception
    {
        start(7, 3);
        final List<RawPeer> silent = new ArrayList<>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                silent.add(new RawPeer(relay.port()));
            }
            await(() -> relay.security().metrics().unauthenticated() == 3,
                () -> "unauthenticated: " + relay.security().metrics().unauthenticated());
            assertRefused("the relay has 3 connections awaiting their HELLO, its max-unauthenticated-connections");
            assertEquals(1, relay.security().metrics().limitRefusals(SecurityMetrics.Limit.MAX_UNAUTHENTICATED));

            // One of them says HELLO: its place among the unauthenticated is free again, and it counts as connected.
            silent.get(0).handshake(PUBLISHER, "limits", "");
            await(() -> relay.security().metrics().unauthenticated() == 2,
                () -> "unauthenticated: " + relay.security().metrics().unauthenticated());
            final RawPeer fifth = new RawPeer(relay.port());
            silent.add(fifth);
            fifth.handshake(PUBLISHER, "limits", "");
            final RawPeer sixth = new RawPeer(relay.port());
            silent.add(sixth);
            sixth.handshake(PUBLISHER, "limits", "");
            // Seven open: the healthy pair, three welcomed, two silent.
            assertRefused("the relay has 7 connections, its max-connections");
            assertEquals(1, relay.security().metrics().limitRefusals(SecurityMetrics.Limit.MAX_CONNECTIONS));
            healthy.assertFlows(1000);
        }
        finally
        {
            for (final RawPeer peer : silent)
            {
                peer.close();
            }
        }
        await(() -> relay.security().metrics().unauthenticated() == 0, () -> "unauthenticated after the close: " +
            relay.security().metrics().unauthenticated());
        try (RawPeer again = new RawPeer(relay.port()))
        {
            again.handshake(PUBLISHER, "limits", "");
        }
    }

    private void assertRefused(final String text) throws IOException
    {
        try (RawPeer refused = new RawPeer(relay.port()))
        {
            final RawPeer.Frame error = refused.readFrame();
            assertEquals(FrameType.ERROR, error.type(), error.toString());
            assertEquals(ErrorCode.TOO_MANY_CONNECTIONS, error.errorCode(), error.toString());
            assertEquals(text, error.errorText());
            refused.assertClosedByRelay();
        }
    }

    @Test
    void tenThousandSilentConnectionsStayWithinTheLimitAndAHealthyPairFlows() throws Exception
    {
        final int limit = 100;
        final int flood = 10_000;
        start(65_536, limit);
        final AtomicBoolean sampling = new AtomicBoolean(true);
        final AtomicInteger most = new AtomicInteger();
        final Thread sampler = new Thread(() ->
        {
            while (sampling.get())
            {
                most.accumulateAndGet(relay.security().metrics().unauthenticated(), Math::max);
                Thread.onSpinWait();
            }
        }, "unauthenticated-sampler");
        sampler.start();
        final List<SocketChannel> sockets = new ArrayList<>(flood);
        try
        {
            for (int i = 0; i < flood; i++)
            {
                final SocketChannel socket = SocketChannel.open();
                // Closed with a reset at the end: 10,000 sockets in TIME_WAIT would hold ephemeral ports for a minute.
                socket.setOption(StandardSocketOptions.SO_LINGER, 0);
                sockets.add(socket);
                socket.connect(new InetSocketAddress("127.0.0.1", relay.port()));
                if (i % 1000 == 999)
                {
                    healthy.assertFlows(100);
                }
            }
            await(() -> relay.security().metrics().limitRefusals(SecurityMetrics.Limit.MAX_UNAUTHENTICATED) >=
                    flood - limit,
                () -> "refused " + relay.security().metrics().limitRefusals(SecurityMetrics.Limit.MAX_UNAUTHENTICATED));
            healthy.assertFlows(10_000);
            assertEquals(limit, relay.security().metrics().unauthenticated(), "the relay holds the limit's worth");
        }
        finally
        {
            sampling.set(false);
            sampler.join();
            for (final SocketChannel socket : sockets)
            {
                socket.close();
            }
        }
        assertTrue(most.get() <= limit, "unauthenticated connections peaked at " + most.get() + " > " + limit);
        assertEquals(
            flood - limit, relay.security().metrics().limitRefusals(SecurityMetrics.Limit.MAX_UNAUTHENTICATED));
        await(() -> relay.security().metrics().unauthenticated() == 0,
            () -> "unauthenticated after the flood: " + relay.security().metrics().unauthenticated());
        try (RawPeer after = new RawPeer(relay.port()))
        {
            after.send(hello(PUBLISHER, "after", "", ""));
            assertEquals(FrameType.WELCOME, after.readFrame().type());
        }
        healthy.assertFlows(100);
    }
}
