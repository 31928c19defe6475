package io.sluice.client;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.Hello;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The steps of {@link SluiceClient#resume(ExclusivePublication)} and {@link SluiceClient#resume(Publication)}: close
 * the lost connection and wait until it has given the log back, connect with the next epoch, hand the log to the new
 * connection's WELCOME; and when the handshake fails, give the log back to the lost publication as the attempt left
 * it.
 */
final class PublicationResume
{
    private final ClientConfig config;
    private final RelayConnector connector;
    // The client's open publications and subscriptions, which a resumed publication joins.
    private final Set<StreamEndpoint> open;

    PublicationResume(final ClientConfig config, final RelayConnector connector, final Set<StreamEndpoint> open)
    {
        this.config = config;
        this.connector = connector;
        this.open = open;
    }

    /**
     * @see SluiceClient#resume(ExclusivePublication)
     */
    ExclusivePublication resume(final ExclusivePublication lost) throws SluiceException
    {
        if (!lost.isIdentified())
        {
            throw new IllegalArgumentException("only a publication opened with a producer id can resume");
        }
        if (lost.isClosed())
        {
            throw new IllegalStateException("publication to '" + lost.stream() + "' was closed");
        }
        awaitLogBack(lost.handOverLog(), lost.eventLoop);
        final int epoch = lost.nextResumeEpoch();
        final Hello hello = hello(lost.stream(), lost.producerId(), epoch);
        final Channel channel = connector.newChannel();
        final ExclusivePublication resumed = new ExclusivePublication(lost, channel, epoch, open::remove);
        try
        {
            connector.handshake(channel, hello, resumed.handler());
        }
        catch (final SluiceException ex)
        {
            // The attempt may have sent kept frames: they are the log's again before the next attempt.
            awaitLogBack(resumed.awaitLogBack(), resumed.eventLoop);
            throw ex;
        }
        lost.markResumed();
        open.add(resumed);
        return resumed;
    }

    /**
     * @see SluiceClient#resume(Publication)
     */
    Publication resume(final Publication lost) throws SluiceException
    {
        if (!lost.isIdentified())
        {
            throw new IllegalArgumentException("only a publication opened with a producer id can resume");
        }
        synchronized (lost.line())
        {
            final Publication replacement = lost.replacement();
            if (replacement != null)
            {
                return replacement;
            }
            if (lost.isClosed())
            {
                throw new IllegalStateException("publication to '" + lost.stream() + "' was closed");
            }
            awaitLogBack(lost.handOverLog(), lost.eventLoop);
            final int epoch = lost.line().nextResumeEpoch();
            final Hello hello = hello(lost.stream(), lost.producerId(), epoch);
            final Publication resumed = new Publication(lost, connector.newChannel(), epoch, open::remove);
            try
            {
                connector.handshake(resumed.channel, hello, resumed.handler());
            }
            catch (final SluiceException ex)
            {
                // The attempt may have sent kept frames, renumbered: the log is the lost one's again, as they left it.
                awaitLogBack(resumed.handOverLog(), resumed.eventLoop);
                lost.takeBack();
                throw ex;
            }
            lost.markResumed(resumed);
            open.add(resumed);
            return resumed;
        }
    }

    private Hello hello(final String stream, final long producerId, final int epoch) throws SluiceException
    {
        return SluiceClient.identifiedHello(stream, config.authToken(), producerId, epoch);
    }

    // The future completes on the connection's event loop, which the thread that runs an invoked client runs here.
    private void awaitLogBack(final CompletableFuture<Void> back, final EventLoop eventLoop) throws SluiceException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.connectTimeoutMs());
        InvokedEventLoop.runUntil(eventLoop, back::isDone, deadline);
        try
        {
            back.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        catch (final ExecutionException ex)
        {
            throw new SluiceException(null, "the client is closing", ex.getCause());
        }
        catch (final TimeoutException ex)
        {
            throw new SluiceException(null, "the lost connection did not close within " + config.connectTimeoutMs() +
                " ms", ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new SluiceException(ErrorCode.INTERNAL, "interrupted while resuming", ex);
        }
    }
}
