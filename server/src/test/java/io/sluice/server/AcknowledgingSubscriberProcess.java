package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.MessageHandler;
import io.sluice.client.SluiceClient;
import io.sluice.client.SubscribeOptions;
import io.sluice.client.Subscription;
import io.sluice.core.protocol.Header;
import org.agrona.DirectBuffer;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.locks.LockSupport;

/**
 * An acknowledging subscriber of a durable subscription in a JVM of its own ({@link ChildJvm}), so that a test can
 * kill it with SIGKILL. Arguments: relay port, stream, subscription name, the last counter, record file.
 * <p>
 * It writes a {@link #RECORD_LENGTH}-byte record for each DATA or GAP frame it processes (position, the counter in the
 * payload's first eight bytes or -1 for a GAP, then a flags byte: {@link #REDELIVERED}, {@link #GAP}), and hands each
 * poll's records to the kernel before the next poll, which is when the library acknowledges them
 * ({@code AckMode.AUTO}): whatever the relay has as acknowledged is in the file, even after a kill.
 * <p>
 * Prints {@code subscribed FIRST_POSITION REDELIVERED_THROUGH} once welcomed, {@code processed N} at each 100,000th
 * message, {@code done N} once the last counter was processed (then closes, acknowledging it, and exits 0), or
 * {@code lost N: reason} and exits 1 when the connection ended first.
 */
final class AcknowledgingSubscriberProcess
{
    /** Bytes per record: position, counter, flags. */
    static final int RECORD_LENGTH = 2 * Long.BYTES + 1;
    /** Record flag: the frame was flagged redelivered. */
    static final int REDELIVERED = 1;
    /** Record flag: a GAP frame. */
    static final int GAP = 2;

    private static final long PROGRESS_EVERY = 100_000;

    private AcknowledgingSubscriberProcess()
    {
    }

    public static void main(final String[] args)
    {
        final int port = Integer.parseInt(args[0]);
        final String stream = args[1];
        final String subscriptionName = args[2];
        final long lastCounter = Long.parseLong(args[3]);
        // A cold JVM on a loaded machine can take seconds over its first connection.
        final ClientConfig config = ClientConfig.of("127.0.0.1", port).withConnectTimeoutMs(60_000);
        int exitCode = 1;
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(args[4]),
                1 << 16));
             SluiceClient client = new SluiceClient(config);
             Subscription subscription = client.subscribe(stream, subscriptionName, SubscribeOptions.acknowledged()))
        {
            System.out.println("subscribed " + subscription.firstPosition() + " " + subscription.redeliveredThrough());
            System.out.flush();
            final Recorder recorder = new Recorder(out);
            while (!recorder.sawLast(lastCounter))
            {
                if (subscription.poll(recorder, 1000) == 0)
                {
                    if (subscription.isDrained())
                    {
                        System.out.println("lost " + recorder.processed + ": " + subscription.closeReason());
                        break;
                    }
                    LockSupport.parkNanos(100_000);
                }
            }
            if (recorder.sawLast(lastCounter))
            {
                System.out.println("done " + recorder.processed);
                exitCode = 0;
            }
        }
        catch (final Exception ex)
        {
            System.out.println("failed: " + ex);
        }
        System.out.flush();
        System.exit(exitCode);
    }

    /** Writes a record per frame; the batch's records go to the kernel at its end, before they are acknowledged. */
    private static final class Recorder implements MessageHandler
    {
        private final DataOutputStream out;
        private long processed;
        private long lastCounter = -1;
        private long nextProgress = PROGRESS_EVERY;

        Recorder(final DataOutputStream out)
        {
            this.out = out;
        }

        boolean sawLast(final long counter)
        {
            return lastCounter == counter;
        }

        @Override
        public void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
        {
            lastCounter = buffer.getLong(offset);
            write(header.position(), lastCounter, header.isRedelivered() ? REDELIVERED : 0);
            processed++;
        }

        @Override
        public void onGap(final Header header)
        {
            write(header.position(), -1, GAP | (header.isRedelivered() ? REDELIVERED : 0));
        }

        @Override
        public void onBatchEnd()
        {
            try
            {
                out.flush();
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
            if (processed >= nextProgress)
            {
                System.out.println("processed " + processed);
                System.out.flush();
                nextProgress += PROGRESS_EVERY;
            }
        }

        private void write(final long position, final long counter, final int flags)
        {
            try
            {
                out.writeLong(position);
                out.writeLong(counter);
                out.writeByte(flags);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }
    }
}
