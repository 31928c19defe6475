package io.sluice.client;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.Frames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A relay that refuses a connection right after welcoming it, the ERROR in the same write as the WELCOME and the
 * connection closed behind them (as a relay shutting down may), played over loopback: every kind of endpoint ends
 * with the relay's code and text as its reason, not with "the relay closed the connection".
 */
class RelayErrorWithWelcomeTest
{
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final String TEXT = "stream 'prices' is closing: the relay shuts down";
    private static final String REASON = "relay error " + ErrorCode.SHUTTING_DOWN + ": " + TEXT;

    private static final MessageHandler IGNORE = (buffer, offset, length, header) ->
    {
    };

    private PlayedRelay<Void> relay;

    /**
     * An endpoint of either client, as far as this test needs it: what its own thread would run (nothing for the
     * event-loop client), whether it ended, why, and its close.
     */
    private record Endpoint(Runnable doWork, BooleanSupplier ended, Supplier<String> reason, Runnable closer)
        implements AutoCloseable
    {
        @Override
        public void close()
        {
            closer.run();
        }
    }

    enum Kind
    {
        PUBLICATION, EXCLUSIVE_PUBLICATION, SUBSCRIPTION, CALLBACK_SUBSCRIPTION, DIRECT_PUBLICATION, DIRECT_SUBSCRIPTION
    }

    @BeforeEach
    void startRelay() throws IOException
    {
        relay = PlayedRelay.start("relay-refusing", DEADLINE_NANOS, (socket, in, out) ->
        {
            try (socket)
            {
                out.write(welcomeThenError());
                socket.shutdownOutput();
                drain(in);
            }
            return null;
        });
    }

    @AfterEach
    void stopRelay() throws Exception
    {
        relay.close();
        relay.result(DEADLINE_NANOS);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void theEndpointEndsWithTheRelaysErrorThatCameWithTheWelcome(final Kind kind) throws Exception
    {
        final ClientConfig config = ClientConfig.of("127.0.0.1", relay.port());
        try (SluiceClient client = new SluiceClient(config))
        {
            final Endpoint endpoint;
            try
            {
                endpoint = connect(kind, client, config);
            }
            catch (final SluiceException ex)
            {
                // The ERROR may end the connect itself: then it is what the connect says.
                assertEquals(ErrorCode.SHUTTING_DOWN, ex.code(), ex.getMessage());
                assertTrue(ex.getMessage().contains(TEXT), ex.getMessage());
                return;
            }
            try (endpoint)
            {
                final long deadline = System.nanoTime() + DEADLINE_NANOS;
                while (!endpoint.ended().getAsBoolean())
                {
                    assertTrue(System.nanoTime() < deadline, kind + " still connected");
                    endpoint.doWork().run();
                    Thread.onSpinWait();
                }
                assertEquals(REASON, endpoint.reason().get());
            }
        }
    }

    private static Endpoint connect(final Kind kind, final SluiceClient client, final ClientConfig config)
        throws SluiceException
    {
        return switch (kind)
        {
            case PUBLICATION -> eventLoop(client.publish("prices"));
            case EXCLUSIVE_PUBLICATION -> eventLoop(client.publishExclusive("prices"));
            case SUBSCRIPTION -> eventLoop(client.subscribe("prices"));
            case CALLBACK_SUBSCRIPTION -> eventLoop(client.subscribe("prices", IGNORE));
            case DIRECT_PUBLICATION -> direct(DirectPublication.connect(config, "prices"));
            case DIRECT_SUBSCRIPTION -> direct(DirectSubscription.connect(config, "prices"));
        };
    }

    private static Endpoint eventLoop(final StreamEndpoint endpoint)
    {
        return new Endpoint(RelayErrorWithWelcomeTest::nothing, () -> !endpoint.isConnected(), endpoint::closeReason,
            endpoint::close);
    }

    private static Endpoint direct(final DirectPublication publication)
    {
        return new Endpoint(publication::doWork, () -> !publication.isConnected(), publication::closeReason,
            publication::close);
    }

    private static Endpoint direct(final DirectSubscription subscription)
    {
        return new Endpoint(() -> subscription.poll(IGNORE, 10), subscription::isClosed, subscription::closeReason,
            subscription::close);
    }

    // The event-loop client's own thread does the work.
    private static void nothing()
    {
    }

    private static byte[] welcomeThenError()
    {
        return FrameBytes.bytes(Frames.welcome(UnpooledByteBufAllocator.DEFAULT, 7, 3, 0, 60_000, 60_000,
            FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, 0), Frames.error(UnpooledByteBufAllocator.DEFAULT,
            ErrorCode.SHUTTING_DOWN, TEXT, 0));
    }

    // Reads until the client closes its side (the client may send a HEARTBEAT or an ERROR of its own first).
    private static void drain(final InputStream in) throws IOException
    {
        final byte[] sink = new byte[4096];
        try
        {
            while (in.read(sink) >= 0)
            {
                // What the client sends after the refusal is not this test's subject.
            }
        }
        catch (final java.net.SocketException closed)
        {
            // Reset by the client's close: done as well.
        }
    }
}
