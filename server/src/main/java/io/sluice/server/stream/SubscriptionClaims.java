package io.sluice.server.stream;

import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Which connection holds each durable subscription name of a stream, one at a time, and which one waits for it.
 * <p>
 * A subscriber that closes and comes straight back under its name can have its new HELLO read before the relay has
 * seen the end of the old connection (another event loop reads it, or the same loop a moment later). So a HELLO for a
 * held name waits up to {@link #TAKEOVER_WAIT_MS} for the holder to let go before it is refused; one waiter per name,
 * any further HELLO is refused at once. Grants and refusals run on the waiting connection's event loop.
 * <p>
 * Any thread, under this object's lock: a HELLO and a connection's end touch it once each, nothing on the path of a
 * message does.
 */
public final class SubscriptionClaims
{
    /** How long a subscriber's HELLO waits for the connection that holds its subscription name to go. */
    public static final long TAKEOVER_WAIT_MS = 1000;

    private final Map<String, Claim> claims = new HashMap<>();

    /**
     * Claims {@code name} for {@code channel}. {@code onGranted} runs at once when nobody holds it, else on the
     * channel's event loop once the holder has released it; {@code onRefused} runs on that loop when another
     * connection waits for the name already, or the holder keeps it for {@link #TAKEOVER_WAIT_MS}. Neither runs if
     * the channel closes while it waits.
     *
     * @param name a durable subscription name, not empty.
     * @param channel the connection whose HELLO names it.
     * @param onGranted the connection's WELCOME; it owns the name from then on and releases it when it ends.
     * @param onRefused the connection's refusal.
     */
    public void claim(final String name, final Channel channel, final Runnable onGranted, final Runnable onRefused)
    {
        final Waiter waiter;
        synchronized (this)
        {
            final Claim claim = claims.get(name);
            if (claim == null)
            {
                claims.put(name, new Claim(channel));
                waiter = null;
            }
            else if (claim.waiter != null)
            {
                channel.eventLoop().execute(onRefused);
                return;
            }
            else
            {
                waiter = new Waiter(channel, onGranted);
                // Under the lock: a release cancels it, and may come as soon as the waiter is seen.
                waiter.timeout = channel.eventLoop().schedule(() ->
                {
                    if (withdraw(name, waiter))
                    {
                        onRefused.run();
                    }
                }, TAKEOVER_WAIT_MS, TimeUnit.MILLISECONDS);
                claim.waiter = waiter;
            }
        }
        if (waiter == null)
        {
            onGranted.run();
            return;
        }
        channel.closeFuture().addListener(closed -> withdraw(name, waiter));
    }

    /**
     * The connection let go of the name (it ended, or its HELLO failed after the grant); a waiter holds it from now on.
     * A release by a connection that does not hold the name does nothing.
     */
    public void release(final String name, final Channel channel)
    {
        final Waiter next;
        synchronized (this)
        {
            final Claim claim = claims.get(name);
            if (claim == null || claim.holder != channel)
            {
                return;
            }
            next = claim.waiter;
            if (next == null)
            {
                claims.remove(name);
                return;
            }
            claim.holder = next.channel;
            claim.waiter = null;
        }
        next.timeout.cancel(false);
        next.channel.eventLoop().execute(() ->
        {
            if (next.channel.isActive())
            {
                next.onGranted.run();
            }
            else
            {
                release(name, next.channel);
            }
        });
    }

    /** @return whether a connection holds {@code name}. */
    public synchronized boolean isHeld(final String name)
    {
        return claims.containsKey(name);
    }

    private synchronized boolean withdraw(final String name, final Waiter waiter)
    {
        final Claim claim = claims.get(name);
        if (claim == null || claim.waiter != waiter)
        {
            return false;
        }
        claim.waiter = null;
        return true;
    }

    private static final class Claim
    {
        Channel holder;
        Waiter waiter;

        Claim(final Channel holder)
        {
            this.holder = holder;
        }
    }

    private static final class Waiter
    {
        final Channel channel;
        final Runnable onGranted;
        ScheduledFuture<?> timeout;

        Waiter(final Channel channel, final Runnable onGranted)
        {
            this.channel = channel;
            this.onGranted = onGranted;
        }
    }
}
