package io.sluice.server;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.sluice.client.ClientConfig;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.Subscription;
import io.sluice.core.tls.TlsProvider;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.producer.ProducerHandler;
import io.sluice.server.subscriber.SubscriberHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With stream-loop affinity every connection of a stream ends up on one of the relay's event loops, whichever loop
 * accepted it, and messages still arrive exactly once and in order per source, over plain TCP and over TLS (where the
 * connection moves with its TLS handler).
 */
class StreamLoopAffinityTest
{
    private static final int MESSAGES = 20_000;
    private static final int PAYLOAD = 64;

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void everyConnectionOfAStreamRunsOnTheStreamsLoop(final boolean tls) throws Exception
    {
        RelayConfig.Builder config = RelayConfig.builder().port(0).ioThreads(2).streamLoopAffinity(true);
        if (tls)
        {
            config = TestTls.get().on(config, TlsProvider.JDK);
        }
        try (Relay relay = Relay.start(config.build()))
        {
            ClientConfig clientConfig = ClientConfig.of("127.0.0.1", relay.port()).withIoThreads(2);
            if (tls)
            {
                clientConfig = TestTls.get().on(clientConfig, TlsProvider.OPENSSL);
            }
            try (SluiceClient client = new SluiceClient(clientConfig))
            {
                // Five connections to "a" and two to "b": the relay's two loops accept them in turn.
                final Subscription first = client.subscribe("a");
                final Publication one = client.publish("a");
                final Subscription second = client.subscribe("a");
                final Publication two = client.publish("a");
                final Subscription other = client.subscribe("b");
                final Publication toOther = client.publish("b");
                final Subscription third = client.subscribe("a");

                final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
                final OrderCheckingHandler[] handlers = {
                    new OrderCheckingHandler(), new OrderCheckingHandler(), new OrderCheckingHandler(),
                    new OrderCheckingHandler()};
                final Subscription[] subscriptions = {first, second, third, other};
                final long[] expected = {2L * MESSAGES, 2L * MESSAGES, 2L * MESSAGES, MESSAGES};
                for (long i = 0; i < MESSAGES; i++)
                {
                    payload.putLong(0, i);
                    for (final Publication publication : new Publication[] {one, two, toOther})
                    {
                        assertTrue(publication.send(payload, 0, PAYLOAD, Duration.ofSeconds(30)) >= 0);
                    }
                    pollAll(subscriptions, handlers);
                }
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!received(handlers, expected))
                {
                    assertTrue(System.nanoTime() < deadline, describe(handlers));
                    if (pollAll(subscriptions, handlers) == 0)
                    {
                        LockSupport.parkNanos(100_000);
                    }
                }
                for (int i = 0; i < handlers.length; i++)
                {
                    assertEquals(expected[i], handlers[i].received, describe(handlers));
                    assertTrue(handlers[i].clean(), handlers[i].toString());
                }

                final Map<String, Set<EventLoop>> loops = loopsByStream(relay);
                assertEquals(5, count(relay, "a"));
                assertEquals(1, loops.get("a").size(), "stream a's connections on " + loops.get("a"));
                assertEquals(1, loops.get("b").size(), "stream b's connections on " + loops.get("b"));
            }
        }
    }

    private static int pollAll(final Subscription[] subscriptions, final OrderCheckingHandler[] handlers)
    {
        int polled = 0;
        for (int i = 0; i < subscriptions.length; i++)
        {
            polled += subscriptions[i].poll(handlers[i], 1_000);
        }
        return polled;
    }

    private static boolean received(final OrderCheckingHandler[] handlers, final long[] expected)
    {
        for (int i = 0; i < handlers.length; i++)
        {
            if (handlers[i].received < expected[i])
            {
                return false;
            }
        }
        return true;
    }

    private static String describe(final OrderCheckingHandler[] handlers)
    {
        final StringBuilder text = new StringBuilder();
        for (final OrderCheckingHandler handler : handlers)
        {
            text.append(handler).append("; ");
        }
        return text.toString();
    }

    private static Map<String, Set<EventLoop>> loopsByStream(final Relay relay)
    {
        final Map<String, Set<EventLoop>> loops = new HashMap<>();
        for (final Channel channel : relay.connections())
        {
            final String stream = streamOf(channel);
            if (stream != null)
            {
                loops.computeIfAbsent(stream, s -> new HashSet<>()).add(channel.eventLoop());
            }
        }
        return loops;
    }

    private static long count(final Relay relay, final String stream)
    {
        return relay.connections().stream().filter(c -> stream.equals(streamOf(c))).count();
    }

    private static String streamOf(final Channel channel)
    {
        final ProducerHandler producer = channel.pipeline().get(ProducerHandler.class);
        if (producer != null)
        {
            return producer.stream().name();
        }
        final SubscriberHandler subscriber = channel.pipeline().get(SubscriberHandler.class);
        return subscriber == null ? null : subscriber.stream().name();
    }
}
