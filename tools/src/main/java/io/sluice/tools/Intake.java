package io.sluice.tools;

import io.sluice.client.CallbackSubscription;
import io.sluice.client.SubscriberEndpoint;
import io.sluice.client.Subscription;

import java.util.function.BooleanSupplier;
import java.util.function.IntUnaryOperator;

/**
 * What {@code consume} needs of a subscription, of either kind: a callback subscription whose handler (the checker)
 * runs on the connection's event loop over the read buffer (the default), or a subscription polled on the command's
 * thread ({@code --poll}, and whenever {@code --rate} paces the consumer).
 */
final class Intake
{
    private final IntUnaryOperator take;
    private final BooleanSupplier drained;
    private final SubscriberEndpoint subscription;

    private Intake(final IntUnaryOperator take, final BooleanSupplier drained, final SubscriberEndpoint subscription)
    {
        this.take = take;
        this.drained = drained;
        this.subscription = subscription;
    }

    static Intake polling(final Subscription subscription, final Checker checker)
    {
        return new Intake(limit -> subscription.poll(checker, limit), subscription::isDrained, subscription);
    }

    static Intake callback(final CallbackSubscription subscription, final Checker checker)
    {
        final long[] taken = new long[1];
        final IntUnaryOperator sinceLastCall = limit ->
        {
            final long seen = checker.seen();
            final int delivered = (int)(seen - taken[0]);
            taken[0] = seen;
            return delivered;
        };
        // Nothing waits in a callback subscription: once the connection is down, everything received was handled.
        return new Intake(sinceLastCall, () -> !subscription.isConnected(), subscription);
    }

    /**
     * @param limit the most messages to take now (polling only; a callback subscription takes what comes).
     * @return messages taken since the last call.
     */
    int take(final int limit)
    {
        return take.applyAsInt(limit);
    }

    /**
     * @return whether the connection has ended and everything received was taken.
     */
    boolean isDrained()
    {
        return drained.getAsBoolean();
    }

    /**
     * @return the subscription: whether it is connected, why it ended; closing it stops the checker being called.
     */
    SubscriberEndpoint subscription()
    {
        return subscription;
    }
}
