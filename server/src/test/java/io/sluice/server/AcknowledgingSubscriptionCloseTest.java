package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.SubscribeOptions;
import io.sluice.client.Subscription;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.config.Strategy;
import io.sluice.server.config.StreamConfig;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An acknowledging durable subscription closed while the relay still writes to it, over and over: its close
 * acknowledges everything it polled, and the relay reads that last ACK, so the subscription's next connection gets
 * nothing it processed again (only what was sent to it and never polled, flagged redelivered). The subscription's close
 * used to close its socket with the relay's bytes unread: the reset made the relay's next write fail before it read the
 * ACK, and thousands of processed messages came again in most rounds.
 */
class AcknowledgingSubscriptionCloseTest
{
    private static final int ROUNDS = 5;
    private static final long PER_ROUND = 20_000;
    private static final int PAYLOAD = 64;

    @TempDir
    Path spillDir;

    @Test
    void eachCloseAcknowledgesWhatWasPolledAndTheNextConnectionGetsNoneOfItAgain() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).spillDirectory(spillDir)
                .defaultStream(StreamConfig.DEFAULT.withStrategy(Strategy.SPILL)).build());
             SluiceClient publisher = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()));
             SluiceClient subscriber = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            // The name exists before the first message, so the relay keeps everything for it from then on.
            subscriber.subscribe("orders", "audit", SubscribeOptions.acknowledged()).close();
            final Publication publication = publisher.publish("orders");
            final AtomicBoolean stop = new AtomicBoolean();
            final AtomicReference<Throwable> failed = new AtomicReference<>();
            final Thread producer = new Thread(() -> publishNumberedUntil(publication, stop, failed), "producer");
            producer.start();
            try
            {
                long lastProcessed = -1;
                for (int round = 0; round < ROUNDS; round++)
                {
                    final Round taken = new Round(lastProcessed);
                    final Subscription subscription =
                        subscriber.subscribe("orders", "audit", SubscribeOptions.acknowledged());
                    final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    while (taken.polled < PER_ROUND)
                    {
                        assertTrue(System.nanoTime() < deadline, "round " + round + ": polled " + taken.polled);
                        subscription.poll(taken::onMessage, 1_000);
                    }
                    // The relay is still writing: the subscription's ring and socket hold messages it never polls.
                    subscription.close();
                    assertEquals(0, taken.processedAgain, "round " + round + ": messages polled on an earlier " +
                        "connection came again (" + taken.redelivered + " flagged redelivered)");
                    lastProcessed = taken.highest;
                }
            }
            finally
            {
                stop.set(true);
                producer.join();
            }
            assertNull(failed.get());
        }
    }

    private static void publishNumberedUntil(final Publication publication, final AtomicBoolean stop,
        final AtomicReference<Throwable> failed)
    {
        final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
        long next = 0;
        try
        {
            while (!stop.get())
            {
                payload.putLong(0, next);
                if (publication.offer(payload, 0, PAYLOAD) >= 0)
                {
                    next++;
                }
                else
                {
                    Thread.onSpinWait();
                }
            }
        }
        catch (final Throwable ex)
        {
            failed.set(ex);
        }
    }

    // One connection's messages: how many, the highest number polled, and how many an earlier connection polled.
    private static final class Round
    {
        private final long processedBefore;
        long polled;
        long highest;
        long processedAgain;
        long redelivered;

        Round(final long processedBefore)
        {
            this.processedBefore = processedBefore;
            this.highest = processedBefore;
        }

        void onMessage(final org.agrona.DirectBuffer buffer, final int offset, final int length,
            final io.sluice.core.protocol.Header header)
        {
            final long number = buffer.getLong(offset);
            polled++;
            processedAgain += number <= processedBefore ? 1 : 0;
            redelivered += header.isRedelivered() ? 1 : 0;
            highest = Math.max(highest, number);
        }
    }
}
