package io.sluice.tools;

import io.sluice.client.SubscriberEndpoint;

/**
 * What the event-loop client's two kinds of subscription share as an {@link Intake}: the connection is the event
 * loop's to keep alive, and the state, the acknowledgements and the close are the subscription's. The kinds differ in
 * how messages are taken ({@link CallbackIntake}, {@link PolledIntake}).
 */
abstract class EventLoopIntake implements Intake
{
    final Checker checker;
    private final SubscriberEndpoint subscription;
    private final DeliveryOptions delivery;

    /**
     * @param subscription the subscription, opened with the delivery options.
     * @param checker what checks each message.
     * @param delivery whether to acknowledge what was counted.
     */
    EventLoopIntake(final SubscriberEndpoint subscription, final Checker checker, final DeliveryOptions delivery)
    {
        this.subscription = subscription;
        this.checker = checker;
        this.delivery = delivery;
    }

    @Override
    public final void keepAlive()
    {
        // The event loop keeps the connection alive.
    }

    @Override
    public final boolean isConnected()
    {
        return subscription.isConnected();
    }

    @Override
    public final String closeReason()
    {
        return subscription.closeReason();
    }

    @Override
    public final void acknowledgeCounted()
    {
        delivery.acknowledgeCounted(subscription, checker);
    }

    @Override
    public final void close()
    {
        subscription.close();
    }
}
