package io.sluice.client;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

/**
 * A relay played by a test over loopback: a server socket whose first connection a script plays, byte by byte, on a
 * thread of its own once the client's HELLO is read. Every read of the connection waits at most the timeout.
 *
 * @param <T> what the script returns.
 */
final class PlayedRelay<T> implements AutoCloseable
{
    /** What the relay does once the client's HELLO is read; closing the connection is its own business. */
    interface Script<T>
    {
        T play(Socket socket, DataInputStream in, OutputStream out) throws Exception;
    }

    private final ServerSocket server;
    private final FutureTask<T> play;

    private PlayedRelay(final ServerSocket server, final FutureTask<T> play)
    {
        this.server = server;
        this.play = play;
    }

    /**
     * @param name         the playing thread's name.
     * @param timeoutNanos the longest a read of the connection waits.
     * @param script       plays the connection.
     * @return the relay, listening on {@link #port()}.
     */
    static <T> PlayedRelay<T> start(final String name, final long timeoutNanos, final Script<T> script)
        throws IOException
    {
        final ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        final FutureTask<T> play = new FutureTask<>(() ->
        {
            final Socket socket = server.accept();
            socket.setSoTimeout((int)TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
            final DataInputStream in = new DataInputStream(socket.getInputStream());
            in.skipNBytes(in.readInt() - 4);
            return script.play(socket, in, socket.getOutputStream());
        });
        final Thread thread = new Thread(play, name);
        thread.setDaemon(true);
        thread.start();
        return new PlayedRelay<>(server, play);
    }

    /** @return the port it listens on, at 127.0.0.1. */
    int port()
    {
        return server.getLocalPort();
    }

    /** @return what the script returned, waiting for it at most {@code timeoutNanos}. */
    T result(final long timeoutNanos) throws Exception
    {
        return play.get(timeoutNanos, TimeUnit.NANOSECONDS);
    }

    /** Stops listening; a connection the script holds stays its own. */
    @Override
    public void close() throws IOException
    {
        server.close();
    }
}
