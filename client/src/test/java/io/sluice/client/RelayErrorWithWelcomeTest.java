package io.sluice.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.Frames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

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

    private ServerSocket server;
    private FutureTask<Void> relay;

    /** An endpoint of either client, as far as this test needs it. */
    private interface Endpoint extends AutoCloseable
    {
        // Runs what the endpoint's own thread would (nothing for the event-loop client).
        void doWork();

        boolean ended();

        String reason();

        @Override
        void close();
    }

    enum Kind
    {
        PUBLICATION, EXCLUSIVE_PUBLICATION, SUBSCRIPTION, CALLBACK_SUBSCRIPTION, DIRECT_PUBLICATION, DIRECT_SUBSCRIPTION
    }

    @BeforeEach
    void startRelay() throws IOException
    {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        relay = new FutureTask<>(() ->
        {
            try (Socket socket = server.accept())
            {
                socket.setSoTimeout((int)TimeUnit.NANOSECONDS.toMillis(DEADLINE_NANOS));
                final DataInputStream in = new DataInputStream(socket.getInputStream());
                in.skipNBytes(in.readInt() - 4);
                socket.getOutputStream().write(welcomeThenError());
                socket.shutdownOutput();
                drain(in);
            }
            return null;
        });
        final Thread thread = new Thread(relay, "relay-refusing");
        thread.setDaemon(true);
        thread.start();
    }

    @AfterEach
    void stopRelay() throws Exception
    {
        server.close();
        relay.get(DEADLINE_NANOS, TimeUnit.NANOSECONDS);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void theEndpointEndsWithTheRelaysErrorThatCameWithTheWelcome(final Kind kind) throws Exception
    {
        final ClientConfig config = ClientConfig.of("127.0.0.1", server.getLocalPort());
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
                while (!endpoint.ended())
                {
                    assertTrue(System.nanoTime() < deadline, kind + " still connected");
                    endpoint.doWork();
                    Thread.onSpinWait();
                }
                assertEquals(REASON, endpoint.reason());
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
            case CALLBACK_SUBSCRIPTION -> eventLoop(client.subscribe("prices", (buffer, offset, length, header) ->
            {
            }));
            case DIRECT_PUBLICATION -> direct(DirectPublication.connect(config, "prices"));
            case DIRECT_SUBSCRIPTION -> direct(DirectSubscription.connect(config, "prices"));
        };
    }

    private static Endpoint eventLoop(final StreamEndpoint endpoint)
    {
        return new Endpoint()
        {
            @Override
            public void doWork()
            {
            }

            @Override
            public boolean ended()
            {
                return !endpoint.isConnected();
            }

            @Override
            public String reason()
            {
                return endpoint.closeReason();
            }

            @Override
            public void close()
            {
                endpoint.close();
            }
        };
    }

    private static Endpoint direct(final DirectPublication publication)
    {
        return new Endpoint()
        {
            @Override
            public void doWork()
            {
                publication.doWork();
            }

            @Override
            public boolean ended()
            {
                return !publication.isConnected();
            }

            @Override
            public String reason()
            {
                return publication.closeReason();
            }

            @Override
            public void close()
            {
                publication.close();
            }
        };
    }

    private static Endpoint direct(final DirectSubscription subscription)
    {
        return new Endpoint()
        {
            @Override
            public void doWork()
            {
                subscription.poll((buffer, offset, length, header) ->
                {
                }, 10);
            }

            @Override
            public boolean ended()
            {
                return subscription.isClosed();
            }

            @Override
            public String reason()
            {
                return subscription.closeReason();
            }

            @Override
            public void close()
            {
                subscription.close();
            }
        };
    }

    private static byte[] welcomeThenError()
    {
        final ByteBuf welcome = Frames.welcome(UnpooledByteBufAllocator.DEFAULT, 7, 3, 0, 60_000, 60_000,
            FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, 0);
        final ByteBuf error = Frames.error(UnpooledByteBufAllocator.DEFAULT, ErrorCode.SHUTTING_DOWN, TEXT, 0);
        try
        {
            final byte[] bytes = new byte[welcome.readableBytes() + error.readableBytes()];
            final int welcomeLength = welcome.readableBytes();
            welcome.readBytes(bytes, 0, welcomeLength);
            error.readBytes(bytes, welcomeLength, error.readableBytes());
            return bytes;
        }
        finally
        {
            welcome.release();
            error.release();
        }
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
