package io.sluice.server;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sluice.client.ClientConfig;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import io.sluice.client.Subscription;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameType;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.config.Strategy;
import io.sluice.server.config.StreamConfig;
import io.sluice.server.lane.LaneSnapshot;
import io.sluice.server.security.AuthFailure;
import io.sluice.server.security.SecurityMetrics;
import io.sluice.server.security.TokenHash;
import io.sluice.server.stream.StreamSnapshot;
import io.sluice.server.tier.disk.ChronicleDiskTier;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static io.sluice.server.RawFrames.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Principals from a principals file over real sockets: each permission and each limit refuses with its own code and
 * a text naming the stream and role or the limit, while a healthy pair of another principal, connected before, goes
 * on delivering; a principal's publish rate throttles its publishers (they are back-pressured, nothing is lost).
 */
class PermissionsAndLimitsTest
{
    private static final int PUBLISHER = 1;

    @TempDir
    Path dir;

    private Relay relay;
    private HealthyPair healthy;
    private final List<SluiceClient> clients = new ArrayList<>();

    @BeforeEach
    void start() throws Exception
    {
        final Path principals = Files.writeString(dir.resolve("principals.yaml"), "principals:\n" +
            principal("ops", "publish: [\">\"]", "subscribe: [\">\"]") +
            principal("alice", "publish: {allow: [\"prices.>\"], deny: [\"prices.internal.>\"]}",
                "subscribe: [\"prices.*\"]", "subscriptions: [alice-audit]", "limits: {max-connections: 3}") +
            principal("carol", "publish: [\">\"]", "subscribe: [\">\"]", "subscriptions: [\">\"]",
                "limits: {max-streams: 2, max-subscriptions: 1}") +
            principal("dave", "publish: [\">\"]", "limits: {max-frame-length: 1KiB}") +
            principal("erin", "publish: [\">\"]", "subscribe: [\">\"]", "limits: {publish-rate: 1MiB}") +
            principal("frank", "subscribe: [\">\"]", "limits: {spill-quota: 1MiB}"));
        final RelayConfig.Builder builder = RelayConfig.builder().port(0).ioThreads(2).streamIdleTimeoutMs(200)
            .spillDirectory(dir.resolve("spill"));
        relay = Relay.start(builder.security(builder.security().withPrincipalsFile(principals)).build());
        healthy = new HealthyPair(as("ops"), "healthy");
        healthy.assertFlows(100);
    }

    // Tokens are the principal's name plus "-token"; few iterations, to keep the tests quick.
    private static String principal(final String name, final String... lines)
    {
        final StringBuilder text = new StringBuilder("  " + name + ":\n    token: " +
            TokenHash.of(name + "-token", TokenHash.MIN_ITERATIONS).text() + "\n");
        for (final String line : lines)
        {
            text.append("    ").append(line).append('\n');
        }
        return text.toString();
    }

    private ClientConfig as(final String principal)
    {
        return ClientConfig.of("127.0.0.1", relay.port()).withAuthToken(principal + "-token");
    }

    private SluiceClient client(final String principal)
    {
        final SluiceClient client = new SluiceClient(as(principal));
        clients.add(client);
        return client;
    }

    @AfterEach
    void stop()
    {
        clients.forEach(SluiceClient::close);
        if (healthy != null)
        {
            healthy.close();
        }
        if (relay != null)
        {
            relay.close();
        }
    }

    @Test
    void aTokenNoPrincipalHoldsOrNoTokenIsRefusedWithTheSameWords()
    {
        final SluiceException wrong = refused(new SluiceClient(as("mallory")), "x", false);
        assertEquals(ErrorCode.AUTH_FAILED, wrong.code());
        assertTrue(wrong.getMessage().endsWith("authentication failed"), wrong.getMessage());
        final SluiceException none = refused(new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())), "x", false);
        assertEquals(ErrorCode.AUTH_FAILED, none.code());
        assertTrue(none.getMessage().endsWith("authentication failed"), none.getMessage());
        assertEquals(1, relay.security().metrics().authFailures(AuthFailure.UNKNOWN_TOKEN));
        assertEquals(1, relay.security().metrics().authFailures(AuthFailure.NO_CREDENTIALS));
        healthy.assertFlows(100);
    }

    @Test
    void eachPermissionRefusesWithTheStreamAndTheRole() throws Exception
    {
        final SluiceClient alice = client("alice");
        alice.publish("prices.eu").close();
        alice.subscribe("prices.eu").close();
        alice.subscribe("prices.us", "alice-audit").close();
        assertDenied(() -> alice.publish("prices.internal.audit"),
            "principal 'alice' may not publish to stream 'prices.internal.audit'");
        assertDenied(() -> alice.publish("orders"), "principal 'alice' may not publish to stream 'orders'");
        assertDenied(() -> alice.subscribe("prices.eu.fx"),
            "principal 'alice' may not subscribe to stream 'prices.eu.fx'");
        assertDenied(() -> alice.subscribe("prices.eu", "nightly"),
            "principal 'alice' may not use durable subscription 'nightly' (subscribing to stream 'prices.eu')");
        assertEquals(4, relay.security().metrics().permissionDenials());
        healthy.assertFlows(100);
    }

    @Test
    void aPrincipalsConnectionsAreLimitedAndFreedWhenOneCloses() throws Exception
    {
        final SluiceClient alice = client("alice");
        final Publication first = alice.publish("prices.a");
        alice.publish("prices.b");
        alice.subscribe("prices.c");
        final SluiceException fourth = assertThrows(SluiceException.class, () -> alice.publish("prices.d"));
        assertEquals(ErrorCode.TOO_MANY_CONNECTIONS, fourth.code(), fourth.getMessage());
        assertTrue(fourth.getMessage().endsWith("principal 'alice' has 3 connections, its max-connections"),
            fourth.getMessage());
        assertEquals(1, relay.security().metrics().limitRefusals(SecurityMetrics.Limit.PRINCIPAL_CONNECTIONS));
        healthy.assertFlows(100);
        first.close();
        awaitAdmitted(() -> alice.publish("prices.d"));
    }

    @Test
    void aPrincipalsStreamsAndDurableSubscriptionsAreLimited() throws Exception
    {
        final SluiceClient carol = client("carol");
        final Publication one = carol.publish("carol.one");
        carol.publish("carol.two");
        final SluiceException third = assertThrows(SluiceException.class, () -> carol.publish("carol.three"));
        assertEquals(ErrorCode.TOO_MANY_STREAMS, third.code(), third.getMessage());
        assertTrue(third.getMessage().endsWith("no new stream 'carol.three': principal 'carol' has 2 streams, its "
            + "max-streams"), third.getMessage());
        // Streams that exist (another principal's) can be joined.
        carol.subscribe("healthy").close();

        final Subscription first = carol.subscribe("carol.one", "first");
        final SluiceException second =
            assertThrows(SluiceException.class, () -> carol.subscribe("carol.two", "second"));
        assertEquals(ErrorCode.TOO_MANY_SUBSCRIPTIONS, second.code(), second.getMessage());
        assertTrue(second.getMessage().endsWith("principal 'carol' has 1 durable subscriptions connected, its "
            + "max-subscriptions"), second.getMessage());
        carol.subscribe("carol.two").close();
        healthy.assertFlows(100);

        // A stream goes when unused, and gives its place back.
        one.close();
        first.close();
        awaitAdmitted(() -> carol.publish("carol.three"));
    }

    @Test
    void aPrincipalsMaxFrameLengthIsAnnouncedAndEnforced() throws Exception
    {
        try (RawPeer dave = new RawPeer(relay.port()))
        {
            final RawPeer.Frame welcome = dave.handshake(PUBLISHER, "dave", "dave-token");
            assertEquals(1024, ByteBuffer.wrap(welcome.payload()).getInt(8), "max frame length in the WELCOME");
            dave.send(frame(FrameType.DATA, 0, welcome.streamId(), welcome.sourceId(), 0, new byte[1024 - 32]));
            dave.send(frame(FrameType.DATA, 0, welcome.streamId(), welcome.sourceId(), 1, new byte[1024]));
            final RawPeer.Frame error = dave.awaitError(5_000);
            assertEquals(ErrorCode.FRAME_TOO_LARGE, error.errorCode(), error.toString());
            assertTrue(error.errorText().contains("exceeds the maximum of 1024"), error.errorText());
        }
        healthy.assertFlows(100);
    }

    @Test
    void aPrincipalsPublishRateThrottlesItsPublishersAndLosesNothing() throws Exception
    {
        final long rate = 1024 * 1024;
        final SluiceClient erin = client("erin");
        final Subscription subscription = erin.subscribe("erin");
        final Publication publication = erin.publish("erin");
        final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        final OrderCheckingHandler received = new OrderCheckingHandler();
        long sent = 0;
        long backPressured = 0;
        final long start = System.nanoTime();
        final long end = start + TimeUnit.SECONDS.toNanos(2);
        while (System.nanoTime() < end)
        {
            payload.putLong(0, sent);
            final long result = publication.offer(payload, 0, 64);
            if (result >= 0)
            {
                sent++;
            }
            else
            {
                assertEquals(Publication.BACK_PRESSURED, result, publication.closeReason());
                backPressured++;
                subscription.poll(received, 10_000);
                LockSupport.parkNanos(50_000);
            }
        }
        final long relayIn = relay.metrics().streams().stream().filter(s -> s.name().equals("erin"))
            .mapToLong(StreamSnapshot::bytesIn).sum();
        final double seconds = (System.nanoTime() - start) / 1e9;
        // At most the rate over the run plus the second's burst, plus a read batch beyond it.
        final long bound =
            (long)(rate * (seconds + 1)) + relay.config().maxReadBytes() * relay.config().maxReadsPerLoop();
        assertTrue(relayIn <= bound, "read " + relayIn + " bytes of erin's in " + seconds + " s, bound " + bound);
        assertTrue(backPressured > 0, "erin's publisher was never held back");
        healthy.assertFlows(10_000);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (received.received < sent)
        {
            subscription.poll(received, 10_000);
            assertTrue(System.nanoTime() < deadline, "erin received " + received.received + " of " + sent);
        }
        assertTrue(received.clean(), received.toString());
    }

    @Test
    void aPrincipalsSpillQuotaCapsItsDiskTiers() throws Exception
    {
        relay.close();
        final RelayConfig config = relay.config();
        relay = Relay.start(config.toBuilder().defaultStream(StreamConfig.DEFAULT.withStrategy(Strategy.SPILL)
            .withMemoryBytes(64 * 1024)).build());
        final SluiceClient frank = client("frank");
        frank.subscribe("frank");
        final Publication publication = client("ops").publish("frank");
        final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(1000));
        // Until the disk tier says its quota is reached: 1 MiB, frank's, not the stream's 1 GiB.
        final ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        final Logger diskTierLog = (Logger)LoggerFactory.getLogger(ChronicleDiskTier.class);
        diskTierLog.addAppender(log);
        try
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (log.list.stream().noneMatch(e -> e.getFormattedMessage().contains("quota of 1048576 bytes reached")))
            {
                assertTrue(System.nanoTime() < deadline, "no disk tier reached 1 MiB: " + relay.metrics().lanes());
                if (publication.offer(payload, 0, 1000) < 0)
                {
                    LockSupport.parkNanos(50_000);
                }
            }
        }
        finally
        {
            diskTierLog.detachAppender(log);
        }
        final LaneSnapshot lane = relay.metrics().lanes().get(0);
        assertTrue(lane.spilled() > 0 && lane.diskBytes() <= 1024 * 1024, "frank's 1 MiB quota: " + lane);
    }

    private SluiceException refused(final SluiceClient client, final String stream, final boolean subscriber)
    {
        clients.add(client);
        return assertThrows(SluiceException.class, () ->
        {
            if (subscriber)
            {
                client.subscribe(stream);
            }
            else
            {
                client.publish(stream);
            }
        });
    }

    private static void assertDenied(final org.junit.jupiter.api.function.Executable hello, final String text)
    {
        final SluiceException denied = assertThrows(SluiceException.class, hello);
        assertEquals(ErrorCode.PERMISSION_DENIED, denied.code(), denied.getMessage());
        assertTrue(denied.getMessage().endsWith(text), denied.getMessage());
    }

    // Freed places show once the relay has seen the close (or the stream's removal): try until admitted.
    private static void awaitAdmitted(
        final org.junit.jupiter.api.function.ThrowingSupplier<? extends AutoCloseable> hello)
        throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true)
        {
            try
            {
                hello.get().close();
                return;
            }
            catch (final SluiceException ex)
            {
                assertTrue(System.nanoTime() < deadline, "still refused: " + ex.getMessage());
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
            catch (final Throwable ex)
            {
                throw new AssertionError(ex);
            }
        }
    }
}
