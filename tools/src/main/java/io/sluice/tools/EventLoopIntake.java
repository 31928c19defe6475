package io.sluice.tools;

import io.sluice.client.SubscriberEndpoint;

/**
 * What the event-loop client's two kinds of subscription share as an {@link Intake}: the connection is the client's
 * to keep alive, and the state, the acknowledgements and the close are the subscription's. The kinds differ in how
 * messages are taken ({@link CallbackIntake}, {@link PolledIntake}). A client in the invoker mode ({@code --invoker})
 * has no event loop thread: {@link #take} and {@link #keepAlive()} run its loop on the command's thread first
 * ({@link ClientDutyCycle}), which reads the socket, runs a callback subscription's handler and sends the heartbeats.
 */
abstract class EventLoopIntake implements Intake
{
    final Checker checker;
    private final SubscriberEndpoint subscription;
    private final DeliveryOptions delivery;
    private final ClientDutyCycle duty;

    /**
     * @param subscription the subscription, opened with the delivery options.
     * @param checker what checks each message.
     * @param delivery whether to acknowledge what was counted.
     * @param duty the duty cycle of the client it was opened on.
     */
    EventLoopIntake(final SubscriberEndpoint subscription, final Checker checker, final DeliveryOptions delivery,
        final ClientDutyCycle duty)
    {
        this.subscription = subscription;
        this.checker = checker;
        this.delivery = delivery;
        this.duty = duty;
    }

    @Override
    public final int take(final int limit)
    {
        duty.doWork();
        return takeReceived(limit);
    }

    /**
     * @param limit as {@link #take}.
     * @return messages taken since the last call, of what the client received.
     */
    abstract int takeReceived(int limit);

    @Override
    public final void keepAlive()
    {
        duty.doWork();
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
