package io.sluice.client;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SluiceClient#close()} says every endpoint's goodbye before it waits for any: a publication's close waits for
 * the relay to close its connection (up to 5 seconds), so a client that closed its publications one after another
 * would take 5 seconds a publication from a relay that does not answer. Played over loopback by a relay that closes
 * its connections only once it has read the CLOSE of every one of them.
 */
class ClientCloseTest
{
    private static final int PUBLICATIONS = 4;
    private static final long DEADLINE_SECONDS = 30;

    private final CountDownLatch goodbyes = new CountDownLatch(PUBLICATIONS);
    private final AtomicInteger closedBeforeEveryGoodbye = new AtomicInteger();
    private final List<Socket> connections = new CopyOnWriteArrayList<>();
    private ServerSocket server;

    @AfterEach
    void stopRelay() throws IOException
    {
        server.close();
        for (final Socket connection : connections)
        {
            connection.close();
        }
    }

    @ParameterizedTest(name = "invoker: {0}")
    @ValueSource(booleans = {false, true})
    void theClientsCloseSaysEveryGoodbyeBeforeItWaitsForAny(final boolean invoker) throws Exception
    {
        startRelay();
        final ClientConfig config = ClientConfig.of("127.0.0.1", server.getLocalPort());
        final PublicationEndpoint[] publications = new PublicationEndpoint[PUBLICATIONS];
        try (SluiceClient client = new SluiceClient(invoker ? config.withInvoker() : config))
        {
            for (int i = 0; i < PUBLICATIONS; i++)
            {
                publications[i] = i % 2 == 0 ? client.publish("prices") : client.publishExclusive("prices");
            }
        }
        assertTrue(goodbyes.await(DEADLINE_SECONDS, TimeUnit.SECONDS),
            goodbyes.getCount() + " of " + PUBLICATIONS + " publications never said goodbye");
        assertEquals(0, closedBeforeEveryGoodbye.get(),
            "connections the client closed before every publication had said goodbye: it waited for each in turn");
        for (final PublicationEndpoint publication : publications)
        {
            assertTrue(publication.isClosed());
            assertFalse(publication.isConnected(), "connected once the client's close returned");
        }
    }

    // Welcomes each publisher, reads until its CLOSE, and closes every connection once all have said goodbye.
    private void startRelay() throws IOException
    {
        server = new ServerSocket(0, PUBLICATIONS, InetAddress.getLoopbackAddress());
        start("relay-accept", () ->
        {
            for (int i = 0; i < PUBLICATIONS; i++)
            {
                final Socket connection = server.accept();
                connections.add(connection);
                start("relay-connection-" + i, () -> play(connection));
            }
        });
        start("relay-closer", () ->
        {
            if (goodbyes.await(DEADLINE_SECONDS, TimeUnit.SECONDS))
            {
                for (final Socket connection : connections)
                {
                    connection.close();
                }
            }
        });
    }

    private void play(final Socket connection) throws IOException
    {
        connection.setSoTimeout((int)TimeUnit.SECONDS.toMillis(DEADLINE_SECONDS));
        final DataInputStream in = new DataInputStream(connection.getInputStream());
        in.skipNBytes(in.readInt() - 4);
        connection.getOutputStream().write(FrameBytes.bytes(Frames.welcome(UnpooledByteBufAllocator.DEFAULT, 7, 0, 0,
            60_000, 60_000, FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, 0)));
        if (FrameBytes.nextFrameTypeOtherThan(in, FrameType.HEARTBEAT) == FrameType.CLOSE)
        {
            goodbyes.countDown();
            // The client ends this connection itself only when it gives up on the relay's close, 5 s after its CLOSE.
            if (in.read() < 0 && goodbyes.getCount() > 0)
            {
                closedBeforeEveryGoodbye.incrementAndGet();
            }
        }
    }

    private interface Play
    {
        void run() throws Exception;
    }

    private static void start(final String name, final Play play)
    {
        final Thread thread = new Thread(() ->
        {
            try
            {
                play.run();
            }
            catch (final Exception closedByTheTest)
            {
                // The relay's sockets closed under a read: the test is over for this thread.
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
    }
}
