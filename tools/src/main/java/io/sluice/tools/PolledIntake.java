package io.sluice.tools;

import io.sluice.client.Subscription;

/**
 * {@code consume --poll} (and {@code --rate}): a subscription polled on the command's thread, from the ring its
 * connection's event loop copies the messages into.
 */
final class PolledIntake extends EventLoopIntake
{
    private final Subscription subscription;

    /**
     * @param subscription the subscription, opened with the delivery options.
     * @param checker what checks each message polled.
     * @param delivery whether to acknowledge what was counted.
     * @param duty the duty cycle of the client it was opened on.
     */
    PolledIntake(final Subscription subscription, final Checker checker, final DeliveryOptions delivery,
        final ClientDutyCycle duty)
    {
        super(subscription, checker, delivery, duty);
        this.subscription = subscription;
    }

    @Override
    int takeReceived(final int limit)
    {
        return subscription.poll(checker, limit);
    }

    @Override
    public boolean isDrained()
    {
        return subscription.isDrained();
    }
}
