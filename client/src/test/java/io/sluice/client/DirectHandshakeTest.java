package io.sluice.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.protocol.Hello;
import io.sluice.core.protocol.Role;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static io.sluice.core.protocol.FrameDescriptor.TYPE_OFFSET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The handshake both direct classes open their connection with, against a fake relay over loopback: the test thread
 * reads the HELLO and answers it with the bytes of its choosing.
 */
class DirectHandshakeTest
{
    private static final long DEADLINE_SECONDS = 20;

    private ServerSocketChannel server;
    private SocketChannel peer;
    private DirectHandshake handshake;
    private final ByteBuffer in = ByteBuffer.allocateDirect(DirectHandshake.MAX_FRAME_LENGTH * 2);

    @BeforeEach
    void listen() throws IOException
    {
        server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterEach
    void closeAll() throws IOException
    {
        if (handshake != null)
        {
            DirectHandshake.closeQuietly(handshake.channel(), handshake.selector());
        }
        if (peer != null)
        {
            peer.close();
        }
        server.close();
    }

    @Test
    void skipsHeartbeatsBeforeTheWelcomeAndKeepsWhatFollowsItAtTheFrontOfTheBuffer() throws Exception
    {
        final Hello hello = connect(bytes(heartbeat(), Frames.welcome(UnpooledByteBufAllocator.DEFAULT,
            7, 3, 42, 250, 5_000, 4096, 1L), heartbeat()));
        assertEquals(Role.PUBLISHER, hello.role());
        assertEquals("prices", hello.stream());
        assertEquals("token", hello.authToken());

        final Welcome welcome = handshake.welcome();
        assertEquals(7, welcome.streamId());
        assertEquals(3, welcome.sourceId());
        assertEquals(42, welcome.nextSequence());
        assertEquals(250, welcome.heartbeatIntervalMs());
        assertEquals(5_000, welcome.heartbeatTimeoutMs());
        assertEquals(4096, welcome.maxFrameLength());
        assertEquals(HEADER_LENGTH, in.position(), "the heartbeat behind the WELCOME, for the first read");
        assertEquals(FrameType.HEARTBEAT, in.get(TYPE_OFFSET));
        assertEquals(in.capacity(), in.limit());
        assertFalse(handshake.channel().isBlocking());
        assertEquals(SelectionKey.OP_READ, handshake.key().interestOps());
    }

    @Test
    void anAnswerThatIsNoSluiceFrameFailsTheConnectAndClosesTheSocket() throws Exception
    {
        final SluiceException refused = assertThrows(SluiceException.class,
            () -> connect("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(ErrorCode.FRAME_TOO_LARGE, refused.code());
        assertTrue(refused.getMessage().contains("is it a Sluice relay?"), refused.getMessage());
        assertEquals(-1, peer.read(ByteBuffer.allocate(1)), "the client closed its socket");
    }

    @Test
    void aFrameOtherThanWelcomeOrErrorFailsTheConnect()
    {
        final SluiceException refused = assertThrows(SluiceException.class,
            () -> connect(bytes(Frames.empty(UnpooledByteBufAllocator.DEFAULT, FrameType.CLOSE, 0, 0, 0, 1L))));
        assertEquals(ErrorCode.UNEXPECTED_FRAME, refused.code());
        assertTrue(refused.getMessage().contains("CLOSE"), refused.getMessage());
    }

    // Connects on another thread while this one plays the relay: reads the HELLO, answers with what it is given.
    private Hello connect(final byte[] answer) throws Exception
    {
        final ClientConfig config = ClientConfig.of("127.0.0.1", server.socket().getLocalPort())
            .withAuthToken("token");
        final Hello said = new Hello(Role.PUBLISHER, "prices", "", "token");
        final CompletableFuture<DirectHandshake> connecting = CompletableFuture.supplyAsync(() ->
        {
            try
            {
                return DirectHandshake.connect(config, said, in);
            }
            catch (final SluiceException ex)
            {
                throw new IllegalStateException(ex);
            }
        });
        peer = server.accept();
        final Hello parsed = readHello();
        final ByteBuffer out = ByteBuffer.wrap(answer);
        while (out.hasRemaining())
        {
            peer.write(out);
        }
        try
        {
            handshake = connecting.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
        }
        catch (final ExecutionException ex)
        {
            throw (Exception)ex.getCause().getCause();
        }
        return parsed;
    }

    private Hello readHello() throws IOException
    {
        final DataInputStream from = new DataInputStream(peer.socket().getInputStream());
        final int length = from.readInt();
        final byte[] rest = new byte[length - 4];
        from.readFully(rest);
        final ByteBuf frame = Unpooled.buffer(length).writeInt(length).writeBytes(rest);
        try
        {
            assertEquals(FrameType.HELLO, Frames.type(frame, 0));
            return Hello.parse(frame);
        }
        finally
        {
            frame.release();
        }
    }

    private static ByteBuf heartbeat()
    {
        return Frames.empty(UnpooledByteBufAllocator.DEFAULT, FrameType.HEARTBEAT, 0, 0, 0, 1L);
    }

    // The frames' bytes back to back; the frames are released.
    private static byte[] bytes(final ByteBuf... frames)
    {
        final ByteBuf all = Unpooled.wrappedBuffer(frames);
        try
        {
            return ByteBufUtil.getBytes(all);
        }
        finally
        {
            all.release();
        }
    }
}
