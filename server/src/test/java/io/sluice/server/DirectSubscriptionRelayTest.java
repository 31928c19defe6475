package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.DirectSubscription;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.server.config.OnStuck;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.config.StreamConfig;
import io.sluice.server.config.Strategy;
import io.sluice.server.config.StuckPolicy;
import io.sluice.server.stream.StreamSnapshot;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The direct subscription against a real relay, fed by the library's publication: every message exactly once and in
 * order; a subscriber that stops polling holds its producer through TCP alone and loses nothing when it polls again;
 * the relay's ERROR, its graceful CLOSE and a refused HELLO are each seen with the relay's words.
 */
class DirectSubscriptionRelayTest
{
    private static final int PAYLOAD = 64;
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(120);

    @Test
    void aMillionMessagesArriveExactlyOnceInOrder() throws Exception
    {
        final long count = 1_000_000;
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
             SluiceClient producers = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            final DirectSubscription subscription =
                DirectSubscription.connect(ClientConfig.of("127.0.0.1", relay.port()), "direct");
            final Publication publication = producers.publish("direct");
            final CompletableFuture<Long> sent = CompletableFuture.supplyAsync(() -> send(publication, 0, count));
            final OrderCheckingHandler handler = new OrderCheckingHandler();
            pollUntil(subscription, handler, count);
            assertEquals(count, sent.get());
            assertEquals(count, handler.received, handler.toString());
            assertTrue(handler.clean(), handler.toString());
            assertEquals(0, handler.gaps);
            subscription.close();
            publication.close();
        }
    }

    @Test
    void aSubscriberThatStopsPollingThrottlesItsProducerAndLosesNothing() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
             SluiceClient producers = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            final DirectSubscription subscription =
                DirectSubscription.connect(ClientConfig.of("127.0.0.1", relay.port()), "held");
            final Publication publication = producers.publish("held");
            final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));

            // Nobody polls. Offer until the whole path is stalled: refused, and the relay read nothing new for 300 ms
            // (well within the relay's heartbeat timeout, which a subscriber that does not poll also does not feed).
            long accepted = 0;
            long stalledSince = 0;
            long relayInAtStall = -1;
            final long deadline = System.nanoTime() + DEADLINE_NANOS;
            while (true)
            {
                assertTrue(System.nanoTime() < deadline, "never stalled; accepted " + accepted);
                payload.putLong(0, accepted);
                final long result = publication.offer(payload, 0, PAYLOAD);
                if (result >= 0)
                {
                    accepted++;
                    stalledSince = 0;
                    continue;
                }
                assertEquals(Publication.BACK_PRESSURED, result, publication.closeReason());
                final long now = System.nanoTime();
                final long relayIn = relay.metrics().messagesIn();
                if (stalledSince == 0 || relayIn != relayInAtStall)
                {
                    stalledSince = now;
                    relayInAtStall = relayIn;
                }
                else if (now - stalledSince > TimeUnit.MILLISECONDS.toNanos(300))
                {
                    break;
                }
                LockSupport.parkNanos(100_000);
            }
            assertTrue(stream(relay, "held").throttledNanos() > 0, "the relay stopped reading the producer");
            assertFalse(subscription.isClosed(), subscription.closeReason());

            // Polling again: everything accepted arrives, in order, and new messages flow too.
            final OrderCheckingHandler handler = new OrderCheckingHandler();
            pollUntil(subscription, handler, accepted);
            final long more = 100_000;
            final long from = accepted;
            final CompletableFuture<Long> sent = CompletableFuture.supplyAsync(() -> send(publication, from, more));
            pollUntil(subscription, handler, accepted + more);
            assertEquals(more, sent.get());
            assertEquals(accepted + more, handler.received, handler.toString());
            assertTrue(handler.clean(), handler.toString());
            assertEquals(0, handler.gaps);
            subscription.close();
            publication.close();
        }
    }

    @Test
    void theRelaysErrorIsSeenWithItsText() throws Exception
    {
        final StreamConfig evicting = new StreamConfig(Strategy.THROTTLE, 16 * 1024, StreamConfig.DEFAULT_LANE_RUNS,
            StreamConfig.DEFAULT_MEMORY_BYTES, StreamConfig.DEFAULT_SPILL_QUOTA_BYTES)
            .withStuck(new StuckPolicy(OnStuck.EVICT, 500));
        // Only on-stuck may close the subscriber that stops polling: the relay's heartbeat timeout outlasts the test.
        final RelayConfig config = RelayConfig.builder().port(0).ioThreads(2).heartbeatTimeoutMs(120_000)
            .subscriberSendBufferBytes(16 * 1024).stream("stuck", evicting).build();
        try (Relay relay = Relay.start(config);
             SluiceClient producers = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            final DirectSubscription subscription =
                DirectSubscription.connect(ClientConfig.of("127.0.0.1", relay.port()), "stuck");
            final Publication publication = producers.publish("stuck");
            final CompletableFuture<Long> sent = CompletableFuture.supplyAsync(() -> send(publication, 0, 200_000));
            await(() -> stream(relay, "stuck").evicted() == 1, "the subscriber that stopped polling evicted");
            assertEquals(200_000, sent.get(), "the producer went on");

            // Polling again, it reads what its socket held, then the ERROR.
            final OrderCheckingHandler handler = new OrderCheckingHandler();
            await(() ->
            {
                subscription.poll(handler, 4096);
                return subscription.isClosed();
            }, "the subscription closed");
            final String reason = subscription.closeReason();
            assertTrue(reason.startsWith("relay error SLOW_CONSUMER: stream 'stuck': no progress for "), reason);
            assertTrue(handler.clean(), handler.toString());
            assertEquals(0, subscription.poll(handler, 4096));
            publication.close();
        }
    }

    @Test
    void aGracefulStopIsSeenAsTheRelaysCloseAfterEverythingBeforeIt() throws Exception
    {
        final Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
        try (SluiceClient producers = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            final DirectSubscription subscription =
                DirectSubscription.connect(ClientConfig.of("127.0.0.1", relay.port()), "stopping");
            final Publication publication = producers.publish("stopping");
            final long count = 10_000;
            assertEquals(count, send(publication, 0, count));
            final OrderCheckingHandler handler = new OrderCheckingHandler();
            pollUntil(subscription, handler, count);
            final CompletableFuture<Void> stopping =
                CompletableFuture.runAsync(() -> relay.close(Duration.ofSeconds(30)));
            await(() ->
            {
                subscription.poll(handler, 4096);
                return subscription.isClosed();
            }, "the subscription closed");
            assertEquals("relay closed the connection", subscription.closeReason());
            assertEquals(count, handler.received);
            stopping.get();
        }
        finally
        {
            relay.close();
        }
    }

    @Test
    void aDurableNameInUseIsRefusedWithTheRelaysCode() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build()))
        {
            final ClientConfig config = ClientConfig.of("127.0.0.1", relay.port());
            try (DirectSubscription first = DirectSubscription.connect(config, "named", "only-one"))
            {
                final SluiceException refused = assertThrows(SluiceException.class,
                    () -> DirectSubscription.connect(config, "named", "only-one"));
                assertEquals(ErrorCode.SUBSCRIPTION_IN_USE, refused.code());
                assertTrue(refused.getMessage().startsWith("relay error SUBSCRIPTION_IN_USE: "),
                    refused.getMessage());
                assertFalse(first.isClosed(), first.closeReason());
            }
        }
    }

    // Offers count messages carrying their sequence, from first on; waits out back-pressure.
    private static long send(final Publication publication, final long first, final long count)
    {
        final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
        final long deadline = System.nanoTime() + DEADLINE_NANOS;
        for (long i = first; i < first + count; i++)
        {
            payload.putLong(0, i);
            long result;
            while ((result = publication.offer(payload, 0, PAYLOAD)) < 0)
            {
                if (result != Publication.BACK_PRESSURED || System.nanoTime() > deadline)
                {
                    return i - first;
                }
                LockSupport.parkNanos(50_000);
            }
        }
        return count;
    }

    private static void pollUntil(
        final DirectSubscription subscription, final OrderCheckingHandler handler, final long count)
    {
        final long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (handler.received < count)
        {
            if (subscription.poll(handler, 4096) == 0)
            {
                assertFalse(subscription.isClosed(), subscription.closeReason());
                assertTrue(System.nanoTime() < deadline, "only " + handler.received + " of " + count + " arrived");
                Thread.onSpinWait();
            }
        }
    }

    private static void await(final BooleanSupplier condition, final String what)
    {
        final long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (!condition.getAsBoolean())
        {
            assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
            LockSupport.parkNanos(1_000_000);
        }
    }

    private static StreamSnapshot stream(final Relay relay, final String name)
    {
        return relay.metrics().streams().stream().filter(s -> s.name().equals(name)).findFirst()
            .orElseThrow(() -> new AssertionError("no stream " + name));
    }
}
