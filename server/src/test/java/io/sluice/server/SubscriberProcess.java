package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.SluiceClient;
import io.sluice.client.Subscription;

import java.util.concurrent.locks.LockSupport;

/**
 * A subscriber in a JVM of its own ({@link ChildJvm}), so that a test can stop and continue the whole process.
 * Arguments: relay port, stream, messages to wait for, heartbeat interval and timeout in ms. Prints
 * {@code subscribed} once welcomed, then {@code received N ...} and exits 0 once N arrived in order, or
 * {@code lost N: reason} and exits 1 when the connection ended first.
 */
final class SubscriberProcess
{
    private SubscriberProcess()
    {
    }

    public static void main(final String[] args)
    {
        final int port = Integer.parseInt(args[0]);
        final String stream = args[1];
        final long count = Long.parseLong(args[2]);
        // A cold JVM on a loaded machine can take seconds over its first connection.
        final ClientConfig config = ClientConfig.of("127.0.0.1", port).withConnectTimeoutMs(60_000)
            .withHeartbeat(Integer.parseInt(args[3]), Integer.parseInt(args[4]));
        int exitCode = 1;
        try (SluiceClient client = new SluiceClient(config); Subscription subscription = client.subscribe(stream))
        {
            System.out.println("subscribed");
            System.out.flush();
            final OrderCheckingHandler handler = new OrderCheckingHandler();
            while (handler.received < count)
            {
                if (subscription.poll(handler, 1000) == 0)
                {
                    if (subscription.isDrained())
                    {
                        System.out.println("lost " + handler.received + ": " + subscription.closeReason());
                        break;
                    }
                    LockSupport.parkNanos(100_000);
                }
            }
            if (handler.received == count)
            {
                System.out.println("received " + handler.received + " " + handler);
                exitCode = handler.clean() ? 0 : 1;
            }
        }
        catch (final Exception ex)
        {
            System.out.println("failed: " + ex);
        }
        System.out.flush();
        System.exit(exitCode);
    }
}
