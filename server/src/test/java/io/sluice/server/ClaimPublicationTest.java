package io.sluice.server;

import io.sluice.client.BufferClaim;
import io.sluice.client.CallbackSubscription;
import io.sluice.client.ClientConfig;
import io.sluice.client.ExclusivePublication;
import io.sluice.client.MessageHandler;
import io.sluice.client.SluiceClient;
import io.sluice.client.Subscription;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.Header;
import io.sluice.server.config.RelayConfig;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The exclusive publication's claims over a real relay, received by both kinds of subscription: everything arrives
 * once and in order; a stopped subscriber back-pressures the claiming publisher within a bound, and everything flows
 * when it resumes; frames up to the relay's max-frame-length go through, and a claim above it is refused.
 */
class ClaimPublicationTest
{
    private static final int PAYLOAD = 64;
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(60);

    // Claims message i (its index in the first 8 payload bytes, as OrderCheckingHandler checks), retrying while
    // back-pressured; polls `subscription` meanwhile when there is one. Returns the back-pressured claims.
    private static long publish(final ExclusivePublication publication, final BufferClaim claim, final long from,
        final long to, final int length, final Subscription subscription, final MessageHandler handler)
    {
        final long deadline = System.nanoTime() + DEADLINE_NANOS;
        long backPressured = 0;
        for (long i = from; i < to; i++)
        {
            long result;
            while ((result = publication.tryClaim(length, claim)) == ExclusivePublication.BACK_PRESSURED)
            {
                backPressured++;
                assertTrue(System.nanoTime() < deadline, "back-pressured for a minute at message " + i);
                if (subscription == null || subscription.poll(handler, 1000) == 0)
                {
                    Thread.onSpinWait();
                }
            }
            assertTrue(result > 0, "claim failed: " + result + " " + publication.closeReason());
            claim.buffer().putLong(claim.offset(), i);
            claim.commit();
        }
        return backPressured;
    }

    @Test
    void claimedMessagesArriveOnceAndInOrderAtBothKindsOfSubscription() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
             SluiceClient consumers = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()));
             SluiceClient producers = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            final LoopOrderCheckingHandler onLoop = new LoopOrderCheckingHandler();
            final CallbackSubscription callback = consumers.subscribe("claims", onLoop);
            final Subscription polled = consumers.subscribe("claims");
            final OrderCheckingHandler polledHandler = new OrderCheckingHandler();
            final ExclusivePublication publication = producers.publishExclusive("claims");
            final long count = 200_000;

            publish(publication, new BufferClaim(), 0, count, PAYLOAD, polled, polledHandler);

            final long deadline = System.nanoTime() + DEADLINE_NANOS;
            while (onLoop.received < count || polledHandler.received < count)
            {
                assertTrue(System.nanoTime() < deadline, onLoop.checker + " / " + polledHandler);
                if (polled.poll(polledHandler, 1000) == 0)
                {
                    LockSupport.parkNanos(100_000);
                }
            }
            callback.close();
            assertEquals(count, onLoop.checker.received, onLoop.checker.toString());
            assertTrue(onLoop.checker.clean(), onLoop.checker.toString());
            assertEquals(count - 1, onLoop.checker.lastSequence());
            assertEquals(count, polledHandler.received, polledHandler.toString());
            assertTrue(polledHandler.clean(), polledHandler.toString());
            awaitAck(publication, count - 1);
            publication.close();
            assertEquals(ExclusivePublication.CLOSED, publication.tryClaim(PAYLOAD, new BufferClaim()));
        }
    }

    private static void awaitAck(final ExclusivePublication publication, final long sequence)
    {
        final long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (publication.ackedSequence() < sequence)
        {
            assertTrue(System.nanoTime() < deadline, "acked only " + publication.ackedSequence());
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    @Test
    void aStoppedSubscriberBackPressuresTheClaimingPublisherWithinABound() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()).withIoThreads(2)))
        {
            final Subscription subscription = client.subscribe("stopped-claims");
            final ExclusivePublication publication = client.publishExclusive("stopped-claims");
            final BufferClaim claim = new BufferClaim();
            final long bound = boundInMessages(relay.config(), publication.logCapacity());

            // Nobody polls. Claim until the whole path is stalled (refused, and the relay has read nothing new for
            // half a second), or until the bound is broken.
            long accepted = 0;
            final RelayStall stall = new RelayStall(relay);
            long mostBuffered = 0;
            while (true)
            {
                final long result = publication.tryClaim(PAYLOAD, claim);
                mostBuffered = Math.max(mostBuffered, publication.bufferedBytes());
                if (result > 0)
                {
                    claim.buffer().putLong(claim.offset(), accepted);
                    claim.commit();
                    accepted++;
                    stall.reset();
                    if (accepted > bound)
                    {
                        fail("accepted " + accepted + " messages with no consumer reading; bound " + bound);
                    }
                    continue;
                }
                assertEquals(ExclusivePublication.BACK_PRESSURED, result);
                if (stall.isStalled())
                {
                    break;
                }
                LockSupport.parkNanos(100_000);
            }
            System.out.println("claims accepted while stopped: " + accepted + " (bound " + bound +
                "), log held at most " + mostBuffered + " of " + publication.logCapacity() + " bytes");
            assertTrue(accepted > 0);
            assertTrue(mostBuffered <= publication.logCapacity(), mostBuffered + " > " + publication.logCapacity());
            assertTrue(relay.metrics().bufferedBytes() > 0, "the relay should hold part of the backlog");

            // The consumer resumes: everything accepted arrives, in order, and new claims flow too.
            final OrderCheckingHandler handler = new OrderCheckingHandler();
            final long more = 10_000;
            publish(publication, claim, accepted, accepted + more, PAYLOAD, subscription, handler);
            final long deadline = System.nanoTime() + DEADLINE_NANOS;
            while (handler.received < accepted + more)
            {
                assertTrue(System.nanoTime() < deadline, handler.toString());
                assertTrue(subscription.isConnected(), subscription.closeReason());
                if (subscription.poll(handler, 10_000) == 0)
                {
                    Thread.onSpinWait();
                }
            }
            assertEquals(accepted + more, handler.received, handler.toString());
            assertTrue(handler.clean(), handler.toString());
        }
    }

    // Everything that can sit between a claiming publisher and a stopped consumer, in messages of PAYLOAD (64) bytes:
    // the send log, the subscription's ring, the relay's lane, outbound buffer and held reads, and the kernel's socket
    // buffers on both hops at their maximum. InvokedClientTest bounds a paused invoked subscriber with it too.
    static long boundInMessages(final RelayConfig config, final int logCapacity) throws IOException
    {
        final int frame = PAYLOAD + FrameDescriptor.HEADER_LENGTH;
        final long subscriptionRing = 1024 * 1024;
        final long socketBuffers = 2 * (SocketBuffers.maxReceive() + SocketBuffers.maxSend());
        final long maxRun = config.maxReadBytes() + frame;
        final long relayBytes = config.defaultStream().laneBytes() + config.highWaterMark() + 2 * maxRun +
            (config.maxReadsPerLoop() + 1) * maxRun;
        return (logCapacity + subscriptionRing + socketBuffers + relayBytes) / frame;
    }

    @Test
    void claimsUpToTheRelaysMaxFrameLengthGoThroughAndLargerAreRefused() throws Exception
    {
        final int relayMax = FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH - FrameDescriptor.HEADER_LENGTH;
        final int[] sizes = {64, 200 * 1024, relayMax, 8, 150 * 1024, 0, 100};
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).build());
             SluiceClient consumers = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()));
             SluiceClient producers = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())
                 .withMaxMessageLength(2 * FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH)))
        {
            final SizeChecker checker = new SizeChecker(sizes);
            final CallbackSubscription subscription = consumers.subscribe("large-claims", checker);
            final ExclusivePublication publication = producers.publishExclusive("large-claims");
            assertEquals(relayMax, publication.maxPayloadLength(), "the relay's limit, not the client's");
            final BufferClaim claim = new BufferClaim();
            final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> publication.tryClaim(relayMax + 1, claim));
            assertTrue(refused.getMessage().contains(Integer.toString(relayMax)), refused.getMessage());

            final int count = 70;
            final long deadline = System.nanoTime() + DEADLINE_NANOS;
            for (int i = 0; i < count; i++)
            {
                final int size = sizes[i % sizes.length];
                while (publication.tryClaim(size, claim) == ExclusivePublication.BACK_PRESSURED)
                {
                    assertTrue(System.nanoTime() < deadline, "publishing stalled at " + i);
                    Thread.onSpinWait();
                }
                claim.buffer().setMemory(claim.offset(), size, (byte)i);
                claim.commit();
            }
            while (checker.received < count)
            {
                assertTrue(System.nanoTime() < deadline, "received " + checker.received);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            subscription.close();
            assertEquals(0, checker.wrong, "messages of the wrong size or content");
            assertEquals(count, checker.received);
        }
    }

    /** Checks, on the event loop, that message i has the size it was sent with and is filled with (byte)i. */
    private static final class SizeChecker implements MessageHandler
    {
        private final int[] sizes;
        volatile long received;
        long wrong;

        SizeChecker(final int[] sizes)
        {
            this.sizes = sizes;
        }

        @Override
        public void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
        {
            final long i = header.sequence();
            final int size = sizes[(int)(i % sizes.length)];
            if (i != received || length != size ||
                (size > 0 && (buffer.getByte(offset) != (byte)i || buffer.getByte(offset + size - 1) != (byte)i)))
            {
                wrong++;
            }
            received = i + 1;
        }

        @Override
        public void onGap(final Header header)
        {
            wrong++;
        }
    }
}
