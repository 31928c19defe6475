package io.sluice.server;

import io.sluice.client.MessageHandler;
import io.sluice.core.protocol.Header;
import org.agrona.DirectBuffer;

/**
 * An {@link OrderCheckingHandler} for a callback subscription: it checks on the event loop and publishes its count at
 * each batch end, for the test's thread to wait on. Read the checker itself once the subscription is closed (closing
 * returns once the handler can no longer run).
 */
class LoopOrderCheckingHandler implements MessageHandler
{
    final OrderCheckingHandler checker = new OrderCheckingHandler();
    volatile long received;

    @Override
    public void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        checker.onMessage(buffer, offset, length, header);
    }

    @Override
    public void onGap(final Header header)
    {
        checker.onGap(header);
    }

    @Override
    public void onBatchEnd()
    {
        received = checker.received;
    }
}
