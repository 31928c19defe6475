package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.ExclusivePublication;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import io.sluice.client.Subscription;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.server.config.RelayConfig;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client's identified publications over a real relay: each connection of a producer id continues the sequence
 * where the relay's WELCOME says, under one source id, with either kind of publication; a lower epoch is refused.
 */
class IdentifiedPublicationTest
{
    private static final String STREAM = "idc";
    private static final int PAYLOAD = 16;

    @Test
    void eachConnectionOfAProducerIdContinuesTheSequenceUnderOneSource() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()).withIoThreads(2)))
        {
            final Subscription subscription = client.subscribe(STREAM);
            final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
            final int source;
            try (Publication first = client.publish(STREAM, 42, 1))
            {
                assertEquals(0, first.firstSequence());
                source = first.sourceId();
                assertEquals(99, sendAll(first, payload, 100));
            }
            try (Publication second = client.publish(STREAM, 42, 2))
            {
                assertEquals(100, second.firstSequence());
                assertEquals(99, second.ackedSequence(), "what the relay accepted before counts as acknowledged");
                assertEquals(source, second.sourceId());
                assertEquals(149, sendAll(second, payload, 50));
            }
            try (ExclusivePublication third = client.publishExclusive(STREAM, 42, 3))
            {
                assertEquals(150, third.firstSequence());
                assertEquals(source, third.sourceId());
                assertTrue(third.offer(payload, 0, PAYLOAD) >= 0);
            }
            final List<Long> sequences = new ArrayList<>();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (sequences.size() < 151)
            {
                assertTrue(System.nanoTime() < deadline, sequences.size() + " messages");
                if (subscription.poll((buffer, offset, length, header) ->
                {
                    assertEquals(source, header.sourceId());
                    sequences.add(header.sequence());
                }, 1_000) == 0)
                {
                    LockSupport.parkNanos(100_000);
                }
            }
            for (int i = 0; i < sequences.size(); i++)
            {
                assertEquals(i, sequences.get(i));
            }
            final SluiceException refused = assertThrows(SluiceException.class, () -> client.publish(STREAM, 42, 2));
            assertEquals(ErrorCode.PRODUCER_FENCED, refused.code());
        }
    }

    // Sends count messages async and returns the sequence of the last, once the relay acknowledged it.
    private static long sendAll(final Publication publication, final UnsafeBuffer payload, final int count)
        throws Exception
    {
        CompletableFuture<Long> last = null;
        for (int i = 0; i < count; i++)
        {
            last = publication.sendAsync(payload, 0, PAYLOAD);
        }
        return last.get(30, TimeUnit.SECONDS);
    }
}
