package io.sluice.tools;

import io.sluice.client.DirectSubscription;

/**
 * {@code consume --direct}: a direct subscription, whose poll on the command's thread reads the socket, hands each
 * message to the checker where it lies in the read buffer, and sends the heartbeats; no event loop. Without
 * acknowledged delivery (the command refuses {@code --ack} with it).
 */
final class DirectIntake implements Intake
{
    private final DirectSubscription subscription;
    private final Checker checker;

    /**
     * @param subscription the subscription, connected.
     * @param checker what checks each message polled.
     */
    DirectIntake(final DirectSubscription subscription, final Checker checker)
    {
        this.subscription = subscription;
        this.checker = checker;
    }

    @Override
    public int take(final int limit)
    {
        return subscription.poll(checker, limit);
    }

    @Override
    public void keepAlive()
    {
        // A poll for nothing delivers nothing, so TCP keeps holding the producers back, but does the duty cycle:
        // the heartbeat due, and the check of a silent relay.
        subscription.poll(checker, 0);
    }

    @Override
    public boolean isDrained()
    {
        // Its poll reads the socket only once the read buffer's whole frames are delivered, and delivers them in
        // order up to the relay's CLOSE or ERROR: once closed, nothing received is left to take.
        return subscription.isClosed();
    }

    @Override
    public boolean isConnected()
    {
        return !subscription.isClosed();
    }

    @Override
    public String closeReason()
    {
        return subscription.closeReason();
    }

    @Override
    public void acknowledgeCounted()
    {
        // No acknowledged delivery: nothing to acknowledge.
    }

    @Override
    public void close()
    {
        subscription.close();
    }
}
