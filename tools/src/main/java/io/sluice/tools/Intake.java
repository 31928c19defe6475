package io.sluice.tools;

import io.sluice.client.CallbackSubscription;
import io.sluice.client.Subscription;

/**
 * What {@code consume} needs of a subscription, of either kind: a callback subscription whose handler (the checker)
 * runs on the connection's event loop over the read buffer (the default), or a subscription polled on the command's
 * thread ({@code --poll}, and whenever {@code --rate} paces the consumer).
 */
abstract class Intake implements AutoCloseable
{
    /**
     * @param limit the most messages to take now (polling only; a callback subscription takes what comes).
     * @return messages taken since the last call.
     */
    abstract int take(int limit);

    /**
     * @return whether the connection has ended and everything received was taken.
     */
    abstract boolean isDrained();

    abstract boolean isConnected();

    abstract String closeReason();

    /**
     * Closes the subscription; once it returns the checker is no longer called.
     */
    @Override
    public abstract void close();

    static Intake polling(final Subscription subscription, final ConsumeCommand.Checker checker)
    {
        return new Polling(subscription, checker);
    }

    static Intake callback(final CallbackSubscription subscription, final ConsumeCommand.Checker checker)
    {
        return new Callback(subscription, checker);
    }

    private static final class Polling extends Intake
    {
        private final Subscription subscription;
        private final ConsumeCommand.Checker checker;

        Polling(final Subscription subscription, final ConsumeCommand.Checker checker)
        {
            this.subscription = subscription;
            this.checker = checker;
        }

        @Override
        int take(final int limit)
        {
            return subscription.poll(checker, limit);
        }

        @Override
        boolean isDrained()
        {
            return subscription.isDrained();
        }

        @Override
        boolean isConnected()
        {
            return subscription.isConnected();
        }

        @Override
        String closeReason()
        {
            return subscription.closeReason();
        }

        @Override
        public void close()
        {
            subscription.close();
        }
    }

    private static final class Callback extends Intake
    {
        private final CallbackSubscription subscription;
        private final ConsumeCommand.Checker checker;
        private long taken;

        Callback(final CallbackSubscription subscription, final ConsumeCommand.Checker checker)
        {
            this.subscription = subscription;
            this.checker = checker;
        }

        @Override
        int take(final int limit)
        {
            final long seen = checker.seen();
            final int delivered = (int)(seen - taken);
            taken = seen;
            return delivered;
        }

        @Override
        boolean isDrained()
        {
            return !subscription.isConnected();
        }

        @Override
        boolean isConnected()
        {
            return subscription.isConnected();
        }

        @Override
        String closeReason()
        {
            return subscription.closeReason();
        }

        @Override
        public void close()
        {
            subscription.close();
        }
    }
}
