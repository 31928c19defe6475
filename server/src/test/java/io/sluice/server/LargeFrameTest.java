package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.MessageHandler;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.Subscription;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.Header;
import io.sluice.server.config.RelayConfig;
import io.sluice.tools.ConsumeCommand;
import io.sluice.tools.ProduceCommand;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Frames up to the relay's max-frame-length, announced in its WELCOME, reach a subscriber whatever its own ring size:
 * through the library (sizes mixed, order and content checked) and through {@code sluice produce} and
 * {@code sluice consume} with 200 KiB messages.
 */
class LargeFrameTest
{
    private static final int RELAY_MAX_PAYLOAD =
        FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH - FrameDescriptor.HEADER_LENGTH;
    private static final int[] SIZES = {64, 200 * 1024, RELAY_MAX_PAYLOAD, 8, 150 * 1024, 100};

    @Test
    void aSubscriptionTakesEveryFrameTheRelayAccepts() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).build());
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()));
             SluiceClient publisher = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())
                 .withMaxMessageLength(2 * FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH)))
        {
            // A client with the defaults: its ring (1 MiB) holds records of at most 128 KiB.
            final Subscription subscription = client.subscribe("large");
            final Publication publication = publisher.publish("large");
            assertEquals(RELAY_MAX_PAYLOAD, publication.maxPayloadLength(), "the relay's limit, not the client's");
            final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(RELAY_MAX_PAYLOAD + 1));
            assertEquals(Publication.MESSAGE_TOO_LARGE, publication.offer(payload, 0, RELAY_MAX_PAYLOAD + 1));

            final int count = 300;
            final SizeCheckingHandler handler = new SizeCheckingHandler();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            for (int i = 0; i < count; i++)
            {
                final int size = SIZES[i % SIZES.length];
                payload.putByte(size - 1, (byte)i);
                payload.putLong(0, i);
                while (publication.offer(payload, 0, size) < 0)
                {
                    assertTrue(System.nanoTime() < deadline, "publishing stalled at " + i + ": " + handler);
                    // A slow poller: one message at a time, so frames wait aside and the connection pauses.
                    subscription.poll(handler, 1);
                }
            }
            while (handler.received < count)
            {
                assertTrue(System.nanoTime() < deadline, handler.toString());
                assertTrue(subscription.isConnected(), subscription.closeReason());
                if (subscription.poll(handler, 1) == 0)
                {
                    LockSupport.parkNanos(100_000);
                }
            }
            assertEquals(count, handler.received, handler.toString());
            assertEquals(0, handler.wrong, handler.toString());
            assertEquals(0, subscription.bufferedBytes());
        }
    }

    @Test
    void closingWithAFrameHeldAsideReleasesIt() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).build());
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()));
             SluiceClient publisher = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())
                 .withMaxMessageLength(RELAY_MAX_PAYLOAD)))
        {
            // The default ring (1 MiB) holds records of at most 128 KiB.
            final Subscription subscription = client.subscribe("aside");
            final Publication publication = publisher.publish("aside");
            final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(200 * 1024));
            for (int i = 0; i < 3; i++)
            {
                payload.putLong(0, i);
                assertTrue(publication.send(payload, 0, 200 * 1024, Duration.ofSeconds(30)) >= 0);
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (subscription.bufferedBytes() < 200 * 1024)
            {
                assertTrue(System.nanoTime() < deadline, "nothing arrived");
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            // Nobody polled: the first frame waits aside, the others in the socket or pending. Closing releases them
            // (the leak detector checks), and a poll afterwards passes over the marker.
            subscription.close();
            final SizeCheckingHandler handler = new SizeCheckingHandler();
            while (subscription.poll(handler, 10) > 0)
            {
                Thread.onSpinWait();
            }
            assertEquals(0, handler.received);
        }
    }

    @Test
    void produceAndConsumeCarry200KiBMessages() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).build()))
        {
            final String port = Integer.toString(relay.port());
            final StringWriter consumed = new StringWriter();
            final StringWriter consumeErr = new StringWriter();
            final CompletableFuture<Integer> consume = CompletableFuture.supplyAsync(() ->
                new CommandLine(new ConsumeCommand())
                    .setOut(new PrintWriter(consumed, true)).setErr(new PrintWriter(consumeErr, true))
                    .execute("--stream", "big", "--port", port, "--count", "200", "--idle-timeout", "30s"));
            awaitSubscriber(relay);
            final StringWriter produced = new StringWriter();
            final StringWriter produceErr = new StringWriter();
            final int produceExit = new CommandLine(new ProduceCommand())
                .setOut(new PrintWriter(produced, true)).setErr(new PrintWriter(produceErr, true))
                .execute("--stream", "big", "--port", port, "--count", "200", "--size", Integer.toString(200 * 1024));
            assertEquals(0, produceExit, produced + " " + produceErr);
            assertEquals(0, consume.get(60, TimeUnit.SECONDS), consumed + " " + consumeErr);
            assertTrue(consumed.toString().contains("consumed 200 messages"), consumed.toString());
            assertTrue(consumed.toString().contains("outOfOrder 0, duplicates 0, gaps 0"), consumed.toString());
        }
    }

    private static void awaitSubscriber(final Relay relay)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (relay.metrics().subscribers() == 0)
        {
            assertTrue(System.nanoTime() < deadline, "the consumer did not subscribe");
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    /** Checks that message i has the size and the content it was sent with. */
    private static final class SizeCheckingHandler implements MessageHandler
    {
        long received;
        long wrong;

        @Override
        public void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
        {
            final long i = received++;
            final int size = SIZES[(int)(i % SIZES.length)];
            if (length != size || buffer.getLong(offset) != i ||
                (size > Long.BYTES && buffer.getByte(offset + size - 1) != (byte)i) || header.sequence() != i)
            {
                wrong++;
            }
        }

        @Override
        public void onGap(final Header header)
        {
            wrong++;
        }

        @Override
        public String toString()
        {
            return "received " + received + ", wrong " + wrong;
        }
    }
}
