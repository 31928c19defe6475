package io.sluice.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP proxy for tests: accepts, connects each accepted socket to the target and pipes both ways, and
 * {@link #cutAll()} closes every connection it holds (both sides) at once, as a dropped network path would, while it
 * keeps accepting new ones.
 */
final class CuttableProxy implements AutoCloseable
{
    private final ServerSocket server;
    private final int targetPort;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private final Thread acceptor;

    CuttableProxy(final int targetPort) throws IOException
    {
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port()
    {
        return server.getLocalPort();
    }

    /**
     * @return connections accepted so far.
     */
    int accepted()
    {
        return accepted.get();
    }

    /**
     * Closes every connection the proxy holds, both the client's and the target's side.
     */
    void cutAll()
    {
        for (final Socket socket : sockets.toArray(new Socket[0]))
        {
            closeQuietly(socket);
        }
    }

    @Override
    public void close()
    {
        closeQuietly(server);
        cutAll();
    }

    private void acceptLoop()
    {
        while (!server.isClosed())
        {
            try
            {
                final Socket client = server.accept();
                accepted.incrementAndGet();
                final Socket target = new Socket();
                sockets.add(client);
                sockets.add(target);
                try
                {
                    target.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort));
                }
                catch (final IOException ex)
                {
                    closeQuietly(client);
                    closeQuietly(target);
                    continue;
                }
                pipe(client, target, "proxy-up");
                pipe(target, client, "proxy-down");
            }
            catch (final IOException ex)
            {
                return;
            }
        }
    }

    private void pipe(final Socket from, final Socket to, final String name)
    {
        final Thread thread = new Thread(() ->
        {
            final byte[] chunk = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream())
            {
                int n;
                while ((n = in.read(chunk)) >= 0)
                {
                    out.write(chunk, 0, n);
                }
            }
            catch (final IOException ex)
            {
                // Cut, or the peer went away: the other direction ends too.
            }
            finally
            {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
    }

    private void closeQuietly(final java.io.Closeable closeable)
    {
        try
        {
            closeable.close();
        }
        catch (final IOException ex)
        {
            // Closing is all that is wanted.
        }
        if (closeable instanceof Socket socket)
        {
            sockets.remove(socket);
        }
    }
}
