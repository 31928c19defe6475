package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.Subscription;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.config.Strategy;
import io.sluice.server.config.StreamConfig;
import io.sluice.server.lane.LaneSnapshot;
import io.sluice.server.tier.memory.MemoryTier;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lossless strategies over real loopback sockets: a producer at full speed and a consumer at a small fraction
 * of its rate. Every message arrives once, in order, and the relay's memory stays within its configured bounds.
 */
class SlowConsumerTest
{
    private static final int PAYLOAD = 64;

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

    private void start(final Strategy strategy)
    {
        relay = Relay.start(relayConfig(RelayConfig.builder().port(0).ioThreads(2)
            .defaultStream(StreamConfig.DEFAULT.withStrategy(strategy).withMemoryBytes(1024 * 1024)).build()));
        client = new SluiceClient(clientConfig(ClientConfig.of("127.0.0.1", relay.port()).withIoThreads(2)));
    }

    @AfterEach
    void stop()
    {
        if (client != null)
        {
            client.close();
        }
        if (relay != null)
        {
            relay.close();
        }
    }

    @ParameterizedTest
    @EnumSource(value = Strategy.class, names = {"THROTTLE", "BUFFER"})
    void slowConsumerReceivesEverythingInOrderWhileRelayMemoryStaysBounded(final Strategy strategy) throws Exception
    {
        start(strategy);
        final Subscription subscription = client.subscribe("throttle-slow");
        final Publication publication = client.publish("throttle-slow");
        final AtomicBoolean producing = new AtomicBoolean(true);
        final long[] sent = new long[1];
        final long[] backPressured = new long[1];
        final Thread producer = new Thread(() ->
        {
            final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
            long sequence = 0;
            while (producing.get())
            {
                payload.putLong(0, sequence);
                final long result = publication.offer(payload, 0, PAYLOAD);
                if (result >= 0)
                {
                    sequence++;
                }
                else if (result == Publication.BACK_PRESSURED)
                {
                    backPressured[0]++;
                    Thread.onSpinWait();
                }
                else
                {
                    throw new IllegalStateException("offer failed: " + result);
                }
            }
            sent[0] = sequence;
        }, "producer");
        producer.start();

        // The consumer takes 200 messages every 2 ms: about 100k/s, a small fraction of what the producer offers.
        final OrderCheckingHandler handler = new OrderCheckingHandler();
        final long consumeUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
        while (System.nanoTime() < consumeUntil)
        {
            subscription.poll(handler, 200);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
        producing.set(false);
        producer.join();

        // Everything sent arrives once the producer stops.
        while (handler.received < sent[0])
        {
            if (subscription.poll(handler, 10_000) == 0)
            {
                Thread.onSpinWait();
            }
            assertTrue(subscription.isConnected(), "subscription dropped: " + subscription.closeReason());
        }
        assertEquals(sent[0], handler.received, handler.toString());
        assertTrue(handler.clean(), handler.toString());
        assertTrue(backPressured[0] > 0, "the producer was never back-pressured");

        final RelayConfig config = relay.config();
        final StreamConfig stream = config.defaultStream();
        final long maxRun = config.maxReadBytes() + PAYLOAD + 32;
        final long laneBound = stream.laneBytes() + 2 * maxRun + config.highWaterMark();
        assertTrue(relay.metrics().peakLaneBytes() <= laneBound,
            "lane peaked at " + relay.metrics().peakLaneBytes() + " > bound " + laneBound);
        final long heldBound = (config.maxReadsPerLoop() + 1) * maxRun;
        assertTrue(relay.metrics().peakHeldBytes() <= heldBound,
            "held bytes peaked at " + relay.metrics().peakHeldBytes() + " > bound " + heldBound);
        for (final LaneSnapshot lane : relay.metrics().lanes())
        {
            assertTrue(lane.memoryBytes() <= MemoryTier.capacityFor(stream.memoryBytes()), lane.toString());
            assertEquals(handler.received, lane.messagesOut(), lane.toString());
        }

        publication.close();
        subscription.close();
    }
}
