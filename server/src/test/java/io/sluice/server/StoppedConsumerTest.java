package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.Subscription;
import io.sluice.server.config.RelayConfig;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A consumer that stops reading altogether: the producer's offer turns back-pressured after a bounded number of
 * messages, and when the consumer resumes everything arrives, complete and in order.
 */
class StoppedConsumerTest
{
    private static final int PAYLOAD = 64;
    private static final int FRAME = PAYLOAD + 32;

    private Relay relay;
    private SluiceClient client;

    /** The relay's settings; the TLS variant of this test adds TLS. */
    RelayConfig relayConfig(final RelayConfig config)
    {
        return config;
    }

    /** The clients' settings; the TLS variant of this test adds TLS. */
    ClientConfig clientConfig(final ClientConfig config)
    {
        return config;
    }

    @BeforeEach
    void start()
    {
        relay = Relay.start(relayConfig(RelayConfig.builder().port(0).ioThreads(2).build()));
        client = new SluiceClient(clientConfig(ClientConfig.of("127.0.0.1", relay.port()).withIoThreads(2)));
    }

    @AfterEach
    void stop()
    {
        client.close();
        relay.close();
    }

    @Test
    void producerIsBackPressuredWithinABoundAndEverythingFlowsOnResume() throws Exception
    {
        final Subscription subscription = client.subscribe("stopped");
        final Publication publication = client.publish("stopped");
        final long bound = boundInMessages();
        final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));

        // Nobody polls. Offer until the whole path is stalled (refused, and the relay has read nothing new, for
        // half a second), or until the bound is broken.
        long accepted = 0;
        final RelayStall stall = new RelayStall(relay);
        while (true)
        {
            payload.putLong(0, accepted);
            final long result = publication.offer(payload, 0, PAYLOAD);
            if (result >= 0)
            {
                accepted++;
                stall.reset();
                if (accepted > bound)
                {
                    fail("accepted " + accepted + " messages with no consumer reading; bound " + bound);
                }
                continue;
            }
            assertEquals(Publication.BACK_PRESSURED, result);
            if (stall.isStalled())
            {
                break;
            }
            LockSupport.parkNanos(100_000);
        }
        assertTrue(accepted > 0);
        assertTrue(relay.metrics().bufferedBytes() > 0, "the relay should hold part of the backlog");

        // The consumer resumes: everything accepted arrives, in order, then new messages flow too.
        final OrderCheckingHandler handler = new OrderCheckingHandler();
        drainUntil(subscription, handler, accepted);
        final long more = 10_000;
        for (long i = 0; i < more; i++)
        {
            payload.putLong(0, accepted + i);
            while (publication.offer(payload, 0, PAYLOAD) < 0)
            {
                subscription.poll(handler, 1000);
            }
        }
        drainUntil(subscription, handler, accepted + more);
        assertEquals(accepted + more, handler.received, handler.toString());
        assertTrue(handler.clean(), handler.toString());
        System.out.println("accepted while stopped: " + accepted + " (bound " + bound + "), relay peak lane bytes " +
            relay.metrics().peakLaneBytes());
        publication.close();
        subscription.close();
    }

    private static void drainUntil(
        final Subscription subscription, final OrderCheckingHandler handler, final long count)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (handler.received < count)
        {
            if (subscription.poll(handler, 10_000) == 0)
            {
                assertTrue(subscription.isConnected(), "subscription dropped: " + subscription.closeReason());
                assertTrue(System.nanoTime() < deadline, "only " + handler.received + " of " + count + " arrived");
                Thread.onSpinWait();
            }
        }
    }

    // Everything that can sit between a producer and a stopped consumer, in messages: both rings, the relay's
    // lane and outbound buffer and held reads, and the kernel's socket buffers on both hops at their maximum.
    private long boundInMessages() throws IOException
    {
        final RelayConfig config = relay.config();
        final long ring = 2L * 1024 * 1024; // each client ring: 8 frames of 64 KiB + header, rounded to a power of two
        final long socketBuffers = 2 * (SocketBuffers.maxReceive() + SocketBuffers.maxSend());
        final long maxRun = config.maxReadBytes() + FRAME;
        final long relayBytes = config.defaultStream().laneBytes() + config.highWaterMark() + 2 * maxRun +
            (config.maxReadsPerLoop() + 1) * maxRun;
        final long clientOutbound = 64 * 1024 + ring;
        System.out.println("bound parts: rings " + 2 * ring + " sockets " + socketBuffers + " relay " + relayBytes +
            " client outbound " + clientOutbound);
        return (2 * ring + socketBuffers + relayBytes + clientOutbound) / FRAME;
    }
}
