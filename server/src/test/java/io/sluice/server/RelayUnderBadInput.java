package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.MessageHandler;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.Subscription;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.Header;
import io.sluice.server.config.RelayConfig;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A relay with a healthy publisher/subscriber pair on one stream, for the tests that send it bad input from a
 * {@link RawPeer}, and the checks they share: the bad connection got an ERROR of the right code whose text names the
 * offending value and was closed, the relay counted that one error and nothing else, and the healthy pair is still
 * connected and still delivers everything, in order. A test class makes a new one per test and closes it after.
 */
final class RelayUnderBadInput implements AutoCloseable
{
    static final String STREAM = "bad-input";
    static final int PUBLISHER = 1;
    static final int SUBSCRIBER = 2;
    static final long WAIT_MS = 10_000;
    private static final int PAYLOAD = 64;

    private Relay relay;
    private SluiceClient client;
    private Publication publication;
    private Subscription subscription;
    private final Received received = new Received();
    private final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
    private long published;
    private Map<ErrorCode, Long> errorsBefore;

    /**
     * Starts the relay and the healthy pair, and sees messages flow before the test begins, without a protocol error.
     */
    void start(final UnaryOperator<RelayConfig.Builder> relayTweak, final UnaryOperator<ClientConfig> clientTweak)
        throws Exception
    {
        relay = Relay.start(relayTweak.apply(RelayConfig.builder().port(0).ioThreads(2)
            .helloTimeoutMs(5_000).heartbeatIntervalMs(1_000).heartbeatTimeoutMs(10_000)).build());
        client = new SluiceClient(clientTweak.apply(ClientConfig.of("127.0.0.1", relay.port()).withIoThreads(2)));
        subscription = client.subscribe(STREAM);
        publication = client.publish(STREAM);
        publishAndAwait(200);
        errorsBefore = relay.metrics().protocolErrorsByCode();
        assertTrue(errorsBefore.isEmpty(), "protocol errors before the test: " + errorsBefore);
    }

    int port()
    {
        return relay.port();
    }

    RelayMetrics metrics()
    {
        return relay.metrics();
    }

    /** @return the protocol errors counted once the healthy pair flowed, before the test's bad input. */
    Map<ErrorCode, Long> errorsBefore()
    {
        return errorsBefore;
    }

    /** @return what the healthy subscription received, from the healthy publisher and from any raw one. */
    Received received()
    {
        return received;
    }

    int healthySourceId()
    {
        return publication.sourceId();
    }

    /** Polls the healthy subscription into {@link #received()}. */
    int pollHealthySubscription(final int fragmentLimit)
    {
        return subscription.poll(received, fragmentLimit);
    }

    /**
     * A new connection whose first bytes are {@code bad} gets an ERROR of {@code code} naming {@code text} and is
     * closed; the relay counts that error only, and the healthy pair goes on.
     */
    void refusedFirstThing(final byte[] bad, final ErrorCode code, final String... text) throws Exception
    {
        start(b -> b, c -> c);
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            peer.send(bad);
            expectRejected(peer, code, text);
        }
        assertOnlyNewError(code);
        assertHealthyPairUnaffected();
    }

    /** Reads the ERROR, checks its code and that its text names the offending value, then expects the close. */
    static RawPeer.Frame expectRejected(final RawPeer peer, final ErrorCode code, final String... textParts)
        throws IOException
    {
        final RawPeer.Frame error = peer.awaitError(WAIT_MS);
        assertEquals(code, error.errorCode(), "wrong error code in " + error);
        assertEquals(0, error.flags(), "ERROR flags");
        for (final String part : textParts)
        {
            assertTrue(error.errorText().contains(part),
                "ERROR text does not name '" + part + "': " + error.errorText());
        }
        peer.assertClosedByRelay();
        return error;
    }

    /** The relay counted exactly one new protocol error, of {@code code}, and nothing else. */
    void assertOnlyNewError(final ErrorCode code)
    {
        awaitCondition(() -> code + " counted; errors now " + relay.metrics().protocolErrorsByCode(),
            () -> relay.metrics().protocolErrors(code) > count(errorsBefore, code));
        final Map<ErrorCode, Long> expected = new EnumMap<>(ErrorCode.class);
        expected.putAll(errorsBefore);
        expected.merge(code, 1L, Long::sum);
        assertEquals(expected, relay.metrics().protocolErrorsByCode(), "protocol errors by code");
    }

    /**
     * The bad connection is gone from the relay's gauges, and the healthy pair is still connected and still delivers
     * everything, in order.
     */
    void assertHealthyPairUnaffected()
    {
        awaitCondition(() -> "only the healthy pair connected; publishers=" + relay.metrics().publishers() +
                " subscribers=" + relay.metrics().subscribers(),
            () -> relay.metrics().publishers() == 1 && relay.metrics().subscribers() == 1);
        assertTrue(publication.isConnected(), "healthy publication dropped: " + publication.closeReason());
        assertTrue(subscription.isConnected(), "healthy subscription dropped: " + subscription.closeReason());
        publishAndAwait(1_000);
        assertTrue(publication.isConnected(), "healthy publication dropped: " + publication.closeReason());
        assertTrue(subscription.isConnected(), "healthy subscription dropped: " + subscription.closeReason());
        assertTrue(received.order.clean(), received.order.toString());
        assertEquals(0, received.order.gaps, "GAPs on a throttle stream");
        // No late second error either.
        final long total = relay.metrics().protocolErrors();
        assertTrue(total <= sum(errorsBefore) + 1,
            "more than one protocol error: " + relay.metrics().protocolErrorsByCode());
    }

    private void publishAndAwait(final int count)
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        for (int i = 0; i < count; i++)
        {
            payload.putLong(0, published);
            long result;
            while ((result = publication.offer(payload, 0, PAYLOAD)) < 0)
            {
                if (result != Publication.BACK_PRESSURED)
                {
                    fail("offer returned " + result + ": " + publication.closeReason());
                }
                if (System.nanoTime() - deadline > 0)
                {
                    fail("back-pressured for " + WAIT_MS + " ms after " + i + " of " + count + " messages");
                }
                if (subscription.poll(received, 1_000) == 0)
                {
                    Thread.onSpinWait();
                }
            }
            published++;
        }
        final int source = publication.sourceId();
        awaitCondition(() -> "all " + published + " healthy messages; got " + received.from(source) + ", " +
                received.order + ", subscription connected=" + subscription.isConnected() + " (" +
                subscription.closeReason() + ")",
            () ->
            {
                subscription.poll(received, 10_000);
                return received.from(source) >= published;
            });
        assertEquals(published, received.from(source), "healthy messages received");
    }

    static void awaitCondition(final Supplier<String> what, final BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("timed out after " + WAIT_MS + " ms waiting for " + what.get());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    static long count(final Map<ErrorCode, Long> errors, final ErrorCode code)
    {
        return errors.getOrDefault(code, 0L);
    }

    private static long sum(final Map<ErrorCode, Long> errors)
    {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }

    @Override
    public void close()
    {
        if (publication != null)
        {
            publication.close();
        }
        if (subscription != null)
        {
            subscription.close();
        }
        if (client != null)
        {
            client.close();
        }
        if (relay != null)
        {
            relay.close();
        }
    }

    /** Order checking over every source, plus a count per source. */
    static final class Received implements MessageHandler
    {
        final OrderCheckingHandler order = new OrderCheckingHandler();
        private final Map<Integer, Long> bySource = new HashMap<>();

        @Override
        public void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
        {
            order.onMessage(buffer, offset, length, header);
            bySource.merge(header.sourceId(), 1L, Long::sum);
        }

        @Override
        public void onGap(final Header header)
        {
            order.onGap(header);
        }

        long from(final int sourceId)
        {
            return bySource.getOrDefault(sourceId, 0L);
        }
    }
}
