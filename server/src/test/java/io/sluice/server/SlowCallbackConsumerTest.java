package io.sluice.server;

import io.sluice.client.BufferClaim;
import io.sluice.client.CallbackSubscription;
import io.sluice.client.ClientConfig;
import io.sluice.client.ExclusivePublication;
import io.sluice.client.SluiceClient;
import io.sluice.core.protocol.Header;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.stream.StreamSnapshot;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A slow handler of a callback subscription, running on its connection's event loop, slows a claiming producer at
 * full speed through TCP alone: the relay stops reading the producer (the stream counts throttled time), the producer's
 * claims answer back-pressured, memory stays bounded on the relay and in the producer's log, and every message arrives
 * once, in order.
 */
class SlowCallbackConsumerTest
{
    private static final int PAYLOAD = 64;

    @Test
    void aSlowHandlerOnTheEventLoopSlowsItsProducers() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
             SluiceClient consumers = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()));
             SluiceClient producers = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            // About 100k messages a second: a pause of 2 ms every 200 messages, on the event loop.
            final AtomicBoolean slow = new AtomicBoolean(true);
            final LoopOrderCheckingHandler checking = new LoopOrderCheckingHandler()
            {
                @Override
                public void onMessage(
                    final DirectBuffer buffer, final int offset, final int length, final Header header)
                {
                    super.onMessage(buffer, offset, length, header);
                    if (slow.get() && checker.received % 200 == 0)
                    {
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
                    }
                }
            };
            final CallbackSubscription subscription = consumers.subscribe("slow-callback", checking);
            final ExclusivePublication publication = producers.publishExclusive("slow-callback");
            final BufferClaim claim = new BufferClaim();

            long sent = 0;
            long backPressured = 0;
            long mostBuffered = 0;
            final long produceUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (System.nanoTime() < produceUntil)
            {
                final long result = publication.tryClaim(PAYLOAD, claim);
                if (result > 0)
                {
                    claim.buffer().putLong(claim.offset(), sent++);
                    claim.commit();
                }
                else
                {
                    assertEquals(ExclusivePublication.BACK_PRESSURED, result, publication.closeReason());
                    backPressured++;
                    mostBuffered = Math.max(mostBuffered, publication.bufferedBytes());
                    Thread.onSpinWait();
                }
            }
            assertTrue(backPressured > 0, "the producer was never back-pressured");
            assertTrue(mostBuffered <= publication.logCapacity(), mostBuffered + " > " + publication.logCapacity());
            final long throttledNanos = relay.metrics().streams().stream()
                .filter(s -> s.name().equals("slow-callback")).mapToLong(StreamSnapshot::throttledNanos).sum();
            assertTrue(throttledNanos > 0, "the relay never stopped reading the producer");

            slow.set(false);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (checking.received < sent)
            {
                assertTrue(System.nanoTime() < deadline, "received " + checking.received + " of " + sent);
                assertTrue(subscription.isConnected(), subscription.closeReason());
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            subscription.close();
            assertEquals(sent, checking.checker.received, checking.checker.toString());
            assertTrue(checking.checker.clean(), checking.checker.toString());

            final RelayConfig config = relay.config();
            final long maxRun = config.maxReadBytes() + PAYLOAD + 32;
            final long laneBound = config.defaultStream().laneBytes() + 2 * maxRun + config.highWaterMark();
            assertTrue(relay.metrics().peakLaneBytes() <= laneBound,
                "lane peaked at " + relay.metrics().peakLaneBytes() + " > bound " + laneBound);
            final long heldBound = (config.maxReadsPerLoop() + 1) * maxRun;
            assertTrue(relay.metrics().peakHeldBytes() <= heldBound,
                "held bytes peaked at " + relay.metrics().peakHeldBytes() + " > bound " + heldBound);
        }
    }
}
