package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.Subscription;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Role;
import io.sluice.server.config.OnStuck;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.config.Strategy;
import io.sluice.server.config.StreamConfig;
import io.sluice.server.config.StuckPolicy;
import io.sluice.server.lane.LaneSnapshot;
import io.sluice.server.stream.StreamSnapshot;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A subscriber that completes its HELLO and then never reads, over loopback, under each {@code on-stuck}: evicted
 * with ERROR SLOW_CONSUMER while its stream's producer and a healthy subscriber go on; marked stuck and holding the
 * producer under {@code wait}; detached to its disk tier and resumed, exactly once and in order, by its durable
 * subscription.
 */
class StuckSubscriberTest
{
    private static final String STREAM = "stuck";
    private static final int PAYLOAD = 64;
    private static final long DEADLINE_MS = 60_000;

    @TempDir
    Path spillDir;

    private static RelayConfig relay(final StreamConfig stream, final Path spillDir)
    {
        // The relay's heartbeat timeout outlasts each test, so only on-stuck can close the stopped subscriber.
        return RelayConfig.builder().port(0).ioThreads(2).heartbeatTimeoutMs(120_000)
            .subscriberSendBufferBytes(16 * 1024).spillDirectory(spillDir).stream(STREAM, stream).build();
    }

    private static StreamConfig throttle(final OnStuck action, final long stuckAfterMs)
    {
        return new StreamConfig(Strategy.THROTTLE, 16 * 1024, StreamConfig.DEFAULT_LANE_RUNS,
            StreamConfig.DEFAULT_MEMORY_BYTES, StreamConfig.DEFAULT_SPILL_QUOTA_BYTES)
            .withStuck(new StuckPolicy(action, stuckAfterMs));
    }

    @Test
    void evictSendsSlowConsumerAndTheProducerAndAHealthySubscriberGoOn() throws Exception
    {
        final long count = 200_000;
        try (Relay relay = Relay.start(relay(throttle(OnStuck.EVICT, 1000), spillDir));
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()));
             RawPeer stopped = new RawPeer(relay.port()))
        {
            stopped.handshake(Role.SUBSCRIBER.code(), STREAM, "");
            final Subscription healthy = client.subscribe(STREAM);
            final InOrderReader reader = new InOrderReader(healthy);
            await(() -> stream(relay).subscribers() == 2, "both subscribers joined");
            final Publication publication = client.publish(STREAM);
            final CompletableFuture<Boolean> sent = CompletableFuture.supplyAsync(() -> sendAll(publication, count));

            await(() -> stream(relay).evicted() == 1, "the stopped subscriber evicted");
            final RawPeer.Frame error = readUntilError(stopped);
            assertEquals(ErrorCode.SLOW_CONSUMER, error.errorCode(), error.toString());
            assertTrue(error.errorText().startsWith("stream 'stuck': no progress for "), error.errorText());
            stopped.assertClosedByRelay();

            assertTrue(sent.get(DEADLINE_MS, TimeUnit.MILLISECONDS), "every send completed");
            await(() -> reader.received() == count, "the healthy subscriber received every message");
            reader.stop();
            assertFalse(reader.outOfOrder(), "in order");
            assertEquals(1, stream(relay).evicted());
            assertEquals(0, stream(relay).detached());
        }
    }

    @Test
    void waitMarksTheSubscriberStuckAndTheProducerStaysHeld() throws Exception
    {
        final long count = 200_000;
        try (Relay relay = Relay.start(relay(throttle(OnStuck.WAIT, 500), spillDir));
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            final RawPeer stopped = new RawPeer(relay.port());
            stopped.handshake(Role.SUBSCRIBER.code(), STREAM, "");
            await(() -> stream(relay).subscribers() == 1, "the subscriber joined");
            final Publication publication = client.publish(STREAM);
            final CompletableFuture<Boolean> sent = CompletableFuture.supplyAsync(() -> sendAll(publication, count));

            await(() -> relay.metrics().lanes().stream().anyMatch(LaneSnapshot::stuck), "the lane marked stuck");
            assertFalse(sent.isDone(), "the producer is still held");
            assertEquals(0, stream(relay).evicted());
            assertEquals(1, stream(relay).subscribers());

            // Gone, it releases its producer.
            stopped.close();
            assertTrue(sent.get(DEADLINE_MS, TimeUnit.MILLISECONDS));
        }
    }

    @Test
    void detachKeepsTheBacklogOnDiskForTheDurableSubscriptionsReturn() throws Exception
    {
        final long count = 100_000;
        final StreamConfig spill = new StreamConfig(Strategy.SPILL, 16 * 1024, StreamConfig.DEFAULT_LANE_RUNS,
            64 * 1024, 256L << 20).withStuck(new StuckPolicy(OnStuck.DETACH, 1000));
        try (Relay relay = Relay.start(relay(spill, spillDir));
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()));
             RawPeer stopped = new RawPeer(relay.port()))
        {
            stopped.send(RawFrames.hello(Role.SUBSCRIBER.code(), STREAM, "nightly", ""));
            assertEquals(FrameType.WELCOME, stopped.readFrame().type());
            await(() -> stream(relay).subscribers() == 1, "the subscriber joined");
            final Publication publication = client.publish(STREAM);
            assertTrue(sendAll(publication, count));

            await(() -> stream(relay).detached() == 1, "the stopped subscriber detached");
            final SequenceCheck check = new SequenceCheck();
            RawPeer.Frame frame;
            while ((frame = stopped.readFrame()).type() != FrameType.ERROR)
            {
                check.accept(frame);
            }
            assertEquals(ErrorCode.SLOW_CONSUMER, frame.errorCode(), frame.toString());
            stopped.assertClosedByRelay();
            assertTrue(check.next < count, "some of the backlog waits on disk: " + check.next);

            try (RawPeer back = new RawPeer(relay.port()))
            {
                back.send(RawFrames.hello(Role.SUBSCRIBER.code(), STREAM, "nightly", ""));
                assertEquals(FrameType.WELCOME, back.readFrame().type());
                while (check.next < count)
                {
                    check.accept(back.readFrame());
                }
            }
            assertEquals(count, check.next, "every message exactly once, in order");
            assertEquals(0, stream(relay).evicted());
        }
    }

    @Test
    void theClientLibrarySaysSlowConsumerInItsCloseReason() throws Exception
    {
        try (Relay relay = Relay.start(relay(throttle(OnStuck.EVICT, 500), spillDir));
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            final Subscription notPolled = client.subscribe(STREAM);
            await(() -> stream(relay).subscribers() == 1, "the subscriber joined");
            final Publication publication = client.publish(STREAM);
            final CompletableFuture<Boolean> sent = CompletableFuture.supplyAsync(() -> sendAll(publication, 200_000));

            await(() -> stream(relay).evicted() == 1, "the subscriber that stopped polling evicted");
            assertTrue(sent.get(DEADLINE_MS, TimeUnit.MILLISECONDS), "the producer resumed");
            // Polling again, it reads what its socket held, then the ERROR.
            final AtomicLong polled = new AtomicLong();
            await(() ->
            {
                notPolled.poll((buffer, offset, length, header) -> polled.incrementAndGet(), 4096);
                return !notPolled.isConnected();
            }, "the subscription closed");
            final String reason = notPolled.closeReason();
            assertTrue(reason.startsWith("relay error SLOW_CONSUMER: stream 'stuck': no progress for "), reason);
        }
    }

    private static StreamSnapshot stream(final Relay relay)
    {
        return relay.metrics().streams().stream().filter(s -> s.name().equals(STREAM)).findFirst()
            .orElseThrow(() -> new AssertionError("no stream " + STREAM));
    }

    private static boolean sendAll(final Publication publication, final long count)
    {
        final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
        for (long i = 0; i < count; i++)
        {
            payload.putLong(0, i);
            if (publication.send(payload, 0, PAYLOAD, Duration.ofMillis(DEADLINE_MS)) < 0)
            {
                return false;
            }
        }
        return true;
    }

    // Reads what the kernel held for the stopped subscriber, then its ERROR.
    private static RawPeer.Frame readUntilError(final RawPeer peer) throws Exception
    {
        final SequenceCheck check = new SequenceCheck();
        RawPeer.Frame frame;
        while ((frame = peer.readFrame()).type() != FrameType.ERROR)
        {
            check.accept(frame);
        }
        return frame;
    }

    private static void await(final BooleanSupplier condition, final String what) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MS);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("not within " + DEADLINE_MS + " ms: " + what);
            }
            Thread.sleep(5);
        }
    }

    /** DATA frames of one publisher, by their sequences: each the one after the last. */
    private static final class SequenceCheck
    {
        long next;

        void accept(final RawPeer.Frame frame)
        {
            if (frame.type() == FrameType.HEARTBEAT)
            {
                return;
            }
            assertEquals(FrameType.DATA, frame.type(), frame.toString());
            assertEquals(next, frame.sequence(), "sequence");
            assertEquals(next, ByteBuffer.wrap(frame.payload()).order(ByteOrder.LITTLE_ENDIAN).getLong(0), "payload");
            next++;
        }
    }

    /** Polls a subscription on a thread of its own and checks each message follows the one before. */
    private static final class InOrderReader
    {
        private final AtomicLong received = new AtomicLong();
        private final AtomicBoolean outOfOrder = new AtomicBoolean();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        InOrderReader(final Subscription subscription)
        {
            thread = new Thread(() ->
            {
                while (running.get())
                {
                    if (subscription.poll((buffer, offset, length, header) ->
                    {
                        if (buffer.getLong(offset) != received.get())
                        {
                            outOfOrder.set(true);
                        }
                        received.incrementAndGet();
                    }, 256) == 0)
                    {
                        Thread.onSpinWait();
                    }
                }
            }, "healthy-subscriber");
            thread.start();
        }

        long received()
        {
            return received.get();
        }

        boolean outOfOrder()
        {
            return outOfOrder.get();
        }

        void stop() throws InterruptedException
        {
            running.set(false);
            thread.join();
        }
    }
}
