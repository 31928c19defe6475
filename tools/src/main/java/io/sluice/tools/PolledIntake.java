package io.sluice.tools;

import io.sluice.client.Subscription;

/**
 * {@code consume --poll} (and {@code --rate}): a subscription polled on the command's thread, from the ring its
 * connection's event loop copies the messages into.
 */
final class PolledIntake implements Intake
{
    private final Subscription subscription;
    private final Checker checker;
    private final DeliveryOptions delivery;

    /**
     * @param subscription the subscription, opened with the delivery options.
     * @param checker what checks each message polled.
     * @param delivery whether to acknowledge what was counted.
     */
    PolledIntake(final Subscription subscription, final Checker checker, final DeliveryOptions delivery)
    {
        this.subscription = subscription;
        this.checker = checker;
        this.delivery = delivery;
    }

    @Override
    public int take(final int limit)
    {
        return subscription.poll(checker, limit);
    }

    @Override
    public void keepAlive()
    {
        // The event loop keeps the connection alive.
    }

    @Override
    public boolean isDrained()
    {
        return subscription.isDrained();
    }

    @Override
    public boolean isConnected()
    {
        return subscription.isConnected();
    }

    @Override
    public String closeReason()
    {
        return subscription.closeReason();
    }

    @Override
    public void acknowledgeCounted()
    {
        delivery.acknowledgeCounted(subscription, checker);
    }

    @Override
    public void close()
    {
        subscription.close();
    }
}
