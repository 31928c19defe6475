package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.DirectPublication;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import io.sluice.client.Subscription;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.security.TokenHash;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The direct publication against a real relay, received by a polled subscription on the same thread: a million
 * messages once each and in order, ACKed once closed; a subscriber that stops polling back-pressures the publisher and
 * nothing is lost once it polls again; the relay's ERROR (a permission taken away) closes it and says why; the relay's
 * max-frame-length bounds its payloads.
 */
class DirectPublicationRelayTest
{
    private static final int PAYLOAD = 64;
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(60);

    @TempDir
    Path dir;

    // Offers message i (its sequence in the first 8 payload bytes, as OrderCheckingHandler checks) for i in
    // [from, to), polling the subscription while back-pressured and now and then meanwhile.
    private static void publish(final DirectPublication publication, final UnsafeBuffer payload, final long from,
        final long to, final Subscription subscription, final OrderCheckingHandler handler)
    {
        final long deadline = System.nanoTime() + DEADLINE_NANOS;
        for (long i = from; i < to; i++)
        {
            payload.putLong(0, i);
            long result;
            while ((result = publication.offer(payload, 0, PAYLOAD)) == DirectPublication.BACK_PRESSURED)
            {
                assertTrue(System.nanoTime() < deadline, "back-pressured for a minute at message " + i);
                subscription.poll(handler, 1000);
            }
            assertEquals(i, result, "message " + i + ": " + publication.closeReason());
            if ((i & 1023) == 0)
            {
                subscription.poll(handler, 1000);
            }
        }
        publication.flush();
    }

    private static void receive(final DirectPublication publication, final Subscription subscription,
        final OrderCheckingHandler handler, final long count)
    {
        final long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (handler.received < count)
        {
            assertTrue(System.nanoTime() < deadline, handler.toString());
            assertTrue(publication.isConnected(), publication.closeReason());
            publication.doWork();
            if (subscription.poll(handler, 10_000) == 0)
            {
                LockSupport.parkNanos(50_000);
            }
        }
        assertEquals(count, handler.received, handler.toString());
        assertTrue(handler.clean(), handler.toString());
        assertEquals(count - 1, handler.lastSequence());
    }

    @Test
    void aMillionMessagesArriveOnceInOrderAndCloseLeavesEverythingAcked() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
             SluiceClient consumers = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            final Subscription subscription = consumers.subscribe("direct");
            final DirectPublication publication =
                DirectPublication.connect(ClientConfig.of("127.0.0.1", relay.port()), "direct");
            final OrderCheckingHandler handler = new OrderCheckingHandler();
            final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
            final long count = 1_000_000;

            publish(publication, payload, 0, count, subscription, handler);
            receive(publication, subscription, handler, count);
            publication.close();
            assertEquals(count - 1, publication.ackedSequence(), "the relay ACKed everything before it closed");
            assertFalse(publication.isConnected());
            assertEquals("closed by the application", publication.closeReason());
            assertEquals(DirectPublication.CLOSED, publication.offer(payload, 0, PAYLOAD));
            assertEquals(count, relay.metrics().messagesIn());
        }
    }

    @Test
    void aSubscriberThatStopsPollingBackPressuresThePublisherAndNothingIsLost() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
             SluiceClient consumers = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            final Subscription subscription = consumers.subscribe("direct-stopped");
            final DirectPublication publication =
                DirectPublication.connect(ClientConfig.of("127.0.0.1", relay.port()), "direct-stopped");
            final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));

            // Nobody polls: offer until the whole path is stalled (refused, and the relay has read nothing new for
            // half a second).
            long accepted = 0;
            final RelayStall stall = new RelayStall(relay);
            long backPressured = 0;
            final long deadline = System.nanoTime() + DEADLINE_NANOS;
            while (true)
            {
                payload.putLong(0, accepted);
                final long result = publication.offer(payload, 0, PAYLOAD);
                if (result >= 0)
                {
                    assertEquals(accepted, result);
                    accepted++;
                    stall.reset();
                    continue;
                }
                assertEquals(DirectPublication.BACK_PRESSURED, result, publication.closeReason());
                backPressured++;
                assertTrue(System.nanoTime() < deadline, "never stalled: " + accepted + " accepted");
                if (stall.isStalled())
                {
                    break;
                }
                LockSupport.parkNanos(100_000);
            }
            assertTrue(accepted > 0 && backPressured > 0);
            assertTrue(publication.isConnected(), publication.closeReason());
            assertTrue(publication.pendingBytes() > 0, "the publisher holds what the socket does not take");
            assertTrue(relay.metrics().bufferedBytes() > 0, "the relay should hold part of the backlog");

            // The subscriber polls again: everything accepted arrives, in order, and new messages flow too.
            final OrderCheckingHandler handler = new OrderCheckingHandler();
            final long more = 50_000;
            publish(publication, payload, accepted, accepted + more, subscription, handler);
            receive(publication, subscription, handler, accepted + more);
            publication.close();
            assertEquals(accepted + more - 1, publication.ackedSequence());
        }
    }

    @Test
    void theRelaysErrorClosesThePublicationAndARefusedHelloThrows() throws Exception
    {
        final String token = "direct-token";
        final String hash = TokenHash.of(token, TokenHash.MIN_ITERATIONS).text();
        final Path principals = dir.resolve("principals.yaml");
        writeAtomically(principals, "principals:\n" +
            "  pub: {token: " + hash + ", publish: [\"d.>\"], subscribe: [\"d.>\"]}\n");
        final RelayConfig.Builder builder = RelayConfig.builder().port(0).ioThreads(2);
        try (Relay relay = Relay.start(builder.security(builder.security().withPrincipalsFile(principals)
            .withReloadCheckIntervalMs(100)).build());
             SluiceClient consumers = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())
                 .withAuthToken(token)))
        {
            final ClientConfig config = ClientConfig.of("127.0.0.1", relay.port());
            final SluiceException refused = assertThrows(SluiceException.class,
                () -> DirectPublication.connect(config.withAuthToken("not-a-token"), "d.prices"));
            assertEquals(ErrorCode.AUTH_FAILED, refused.code());
            assertTrue(refused.getMessage().contains("AUTH_FAILED"), refused.getMessage());

            final Subscription subscription = consumers.subscribe("d.prices");
            final DirectPublication publication = DirectPublication.connect(config.withAuthToken(token), "d.prices");
            final OrderCheckingHandler handler = new OrderCheckingHandler();
            final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
            publish(publication, payload, 0, 10_000, subscription, handler);
            receive(publication, subscription, handler, 10_000);

            // The principal may no longer publish: the relay says so with an ERROR, and a thread that only offers
            // sees it.
            writeAtomically(principals, "principals:\n" +
                "  pub: {token: " + hash + ", subscribe: [\"d.>\"]}\n");
            final long deadline = System.nanoTime() + DEADLINE_NANOS;
            long result;
            while ((result = publication.offer(payload, 0, PAYLOAD)) != DirectPublication.CLOSED)
            {
                assertTrue(result >= 0 || result == DirectPublication.BACK_PRESSURED, "offer said " + result);
                assertTrue(System.nanoTime() < deadline, "the ERROR was not noticed");
                subscription.poll(handler, 1000);
                LockSupport.parkNanos(20_000);
            }
            assertFalse(publication.isConnected());
            assertEquals(ErrorCode.PERMISSION_DENIED, publication.errorCode(), publication.closeReason());
            assertTrue(publication.closeReason().contains("PERMISSION_DENIED"), publication.closeReason());
            assertTrue(publication.closeReason().contains("d.prices"), publication.closeReason());
            publication.close();
        }
    }

    @Test
    void payloadsAreBoundedByTheRelaysMaxFrameLength() throws Exception
    {
        final int maxFrame = 4096;
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).maxFrameLength(maxFrame).build());
             SluiceClient consumers = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            final Subscription subscription = consumers.subscribe("direct-large");
            final int largest = maxFrame - FrameDescriptor.HEADER_LENGTH;
            try (DirectPublication publication =
                DirectPublication.connect(ClientConfig.of("127.0.0.1", relay.port()), "direct-large"))
            {
                assertEquals(largest, publication.maxPayloadLength());
                final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(maxFrame));
                assertEquals(DirectPublication.MESSAGE_TOO_LARGE, publication.offer(payload, 0, largest + 1));
                payload.putLong(0, 0);
                assertEquals(0, publication.offer(payload, 0, largest));
                publication.flush();
                final int[] lengths = {-1};
                final long deadline = System.nanoTime() + DEADLINE_NANOS;
                while (lengths[0] < 0)
                {
                    assertTrue(System.nanoTime() < deadline, "nothing arrived");
                    publication.doWork();
                    if (subscription.poll((buffer, offset, length, header) -> lengths[0] = length, 10) == 0)
                    {
                        LockSupport.parkNanos(100_000);
                    }
                }
                assertEquals(largest, lengths[0]);
            }
        }
    }

    private void writeAtomically(final Path file, final String text) throws IOException
    {
        final Path next = Files.writeString(dir.resolve(file.getFileName() + ".next"), text);
        Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
