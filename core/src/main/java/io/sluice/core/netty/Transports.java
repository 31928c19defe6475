package io.sluice.core.netty;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * Chooses epoll where the native transport loads and NIO otherwise. {@code -Dsluice.transport=nio} forces NIO.
 */
public final class Transports
{
    private static final boolean EPOLL = !"nio".equalsIgnoreCase(System.getProperty("sluice.transport")) &&
        Epoll.isAvailable();

    private Transports()
    {
    }

    /**
     * @return "epoll" or "nio".
     */
    public static String name()
    {
        return EPOLL ? "epoll" : "nio";
    }

    /**
     * @param threads event loop threads.
     * @param threadNamePrefix prefix of the threads' names.
     * @return a new event loop group of the chosen transport.
     */
    public static EventLoopGroup newGroup(final int threads, final String threadNamePrefix)
    {
        return new ResponsiveEventLoopGroup(threads, new DefaultThreadFactory(threadNamePrefix, true),
            ioHandlerFactory());
    }

    /**
     * @return whether a connection that stopped reading still learns that its peer closed: epoll reports the peer's
     * half-close as an event of its own; NIO reports it only to a read.
     */
    public static boolean seesPeerCloseWithoutReading()
    {
        return EPOLL;
    }

    /**
     * @return the I/O handlers of the chosen transport, for an event loop made elsewhere (one the application's thread
     * runs).
     */
    public static IoHandlerFactory ioHandlerFactory()
    {
        return EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    /**
     * @return the server channel class of the chosen transport.
     */
    public static Class<? extends ServerSocketChannel> serverChannel()
    {
        return EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /**
     * @return a new, unregistered client channel of the chosen transport.
     */
    public static SocketChannel newClientChannel()
    {
        return EPOLL ? new EpollSocketChannel() : new NioSocketChannel();
    }

    /**
     * @return the client channel class of the chosen transport.
     */
    public static Class<? extends SocketChannel> clientChannel()
    {
        return EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    }
}
