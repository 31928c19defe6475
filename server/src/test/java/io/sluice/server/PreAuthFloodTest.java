package io.sluice.server;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.util.internal.PlatformDependent;
import io.sluice.client.ClientConfig;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.Subscription;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Hello;
import io.sluice.server.config.RelayConfig;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static io.sluice.server.RawFrames.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Connections that have not shown their token cannot make the relay hold much memory: 500 connections each send
 * the header of a HELLO and stall, half of them claiming a HELLO of max-frame-length (1 MiB), half the largest HELLO
 * there can be. The relay refuses the first half from the length field and holds at most the largest HELLO for each
 * of the others, while an authenticated publisher and subscriber on another stream keep flowing.
 */
class PreAuthFloodTest
{
    private static final int CONNECTIONS = 500;
    private static final String TOKEN = "s3cret";
    private static final int MESSAGES = 20_000;
    private static final int PAYLOAD = 64;

    @Test
    void unauthenticatedConnectionsHoldLittleMemoryAndHarmNobody() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).authToken(TOKEN)
                .helloTimeoutMs(60_000).build());
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()).withAuthToken(TOKEN)
                 .withIoThreads(1)))
        {
            final Subscription subscription = client.subscribe("healthy");
            final Publication publication = client.publish("healthy");
            final OrderCheckingHandler received = new OrderCheckingHandler();
            flow(publication, subscription, received, MESSAGES);
            final long before = usedDirectMemory();

            final List<RawPeer> flood = new ArrayList<>();
            try
            {
                for (int i = 0; i < CONNECTIONS; i++)
                {
                    final RawPeer peer = new RawPeer(relay.port());
                    flood.add(peer);
                    final int length = i % 2 == 0 ? FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH : Hello.MAX_FRAME_LENGTH;
                    // The header and some zeros of the body, then nothing: the token never comes.
                    peer.send(frame(length, 1, FrameType.HELLO, 0, 0, 0, 0, new byte[1_000]));
                }
                awaitCondition("the relay accepted every flood connection",
                    () -> relay.metrics().connectionsOpened() >= CONNECTIONS + 2);
                // The healthy pair goes on while the flood holds its connections, and through its traffic the relay's
                // event loops have read what the flood sent.
                flow(publication, subscription, received, MESSAGES);
                final long grown = usedDirectMemory() - before;
                // At most the largest HELLO per stalled connection, plus what the pooled allocator rounds up to.
                assertTrue(grown < 16L * 1024 * 1024,
                    "direct memory grew by " + grown / 1024 + " KiB with " + CONNECTIONS +
                    " connections stalled in HELLO");
                for (int i = 0; i < CONNECTIONS; i += 2)
                {
                    final RawPeer.Frame error = flood.get(i).awaitError(10_000);
                    assertEquals(ErrorCode.FRAME_TOO_LARGE, error.errorCode(), error.toString());
                }
                assertEquals(CONNECTIONS / 2, relay.metrics().protocolErrors(ErrorCode.FRAME_TOO_LARGE));
                assertEquals(0, relay.metrics().protocolErrors(ErrorCode.INTERNAL));
            }
            finally
            {
                for (final RawPeer peer : flood)
                {
                    peer.close();
                }
            }
            assertTrue(publication.isConnected(), "healthy publication dropped: " + publication.closeReason());
            assertTrue(subscription.isConnected(), "healthy subscription dropped: " + subscription.closeReason());
            assertTrue(received.clean(), received.toString());
            assertEquals(2L * MESSAGES, received.received);
        }
    }

    // Publishes messages numbered on from the last, polling the subscriber whenever the publisher is back-pressured.
    private static void flow(final Publication publication, final Subscription subscription,
        final OrderCheckingHandler received, final int messages)
    {
        final long target = received.received + messages;
        final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
        for (long next = received.received; next < target; next++)
        {
            payload.putLong(0, next);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (publication.offer(payload, 0, PAYLOAD) < 0)
            {
                assertTrue(publication.isConnected(), "healthy publication dropped: " + publication.closeReason());
                assertTrue(System.nanoTime() < deadline, "back-pressured for 60 s at message " + next);
                subscription.poll(received, 1_000);
            }
        }
        awaitCondition("the healthy subscriber received " + target + "; has " + received.received, () ->
        {
            subscription.poll(received, 10_000);
            return received.received >= target;
        });
    }

    /** Direct memory in use by Netty: its own count where it keeps one, else the default allocator's. */
    private static long usedDirectMemory()
    {
        final long counted = PlatformDependent.usedDirectMemory();
        return counted >= 0 ? counted :
            ((ByteBufAllocatorMetricProvider)ByteBufAllocator.DEFAULT).metric().usedDirectMemory();
    }

    private static void awaitCondition(final String what, final java.util.function.BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean())
        {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }
}
