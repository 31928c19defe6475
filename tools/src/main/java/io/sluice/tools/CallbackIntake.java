package io.sluice.tools;

import io.sluice.client.CallbackSubscription;

/**
 * {@code consume} by default: a callback subscription whose handler, the checker, runs on the connection's event loop
 * over the socket's read buffer (with {@code --invoker}, on the command's thread, in the client's loop that
 * {@link #take} runs). Taking is only counting what the checker handled meanwhile.
 */
final class CallbackIntake extends EventLoopIntake
{
    private final CallbackSubscription subscription;
    // What the checker had counted at the last take.
    private long taken;

    /**
     * @param subscription the subscription, opened with the delivery options and the checker as its handler.
     * @param checker its handler.
     * @param delivery whether to acknowledge what was counted.
     * @param duty the duty cycle of the client it was opened on.
     */
    CallbackIntake(final CallbackSubscription subscription, final Checker checker, final DeliveryOptions delivery,
        final ClientDutyCycle duty)
    {
        super(subscription, checker, delivery, duty);
        this.subscription = subscription;
    }

    @Override
    int takeReceived(final int limit)
    {
        final long seen = checker.seen();
        final int delivered = (int)(seen - taken);
        taken = seen;
        return delivered;
    }

    @Override
    public boolean isDrained()
    {
        // Nothing waits in a callback subscription: once the connection is down, everything received was handled.
        return !subscription.isConnected();
    }
}
