package io.sluice.server.stream;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.ProtocolException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ProducerRegistry} driven directly, each connection an {@link EmbeddedChannel} whose tasks the test runs: which
 * claims are granted when, what they carry, who is fenced, and how many idle producer ids are kept.
 */
class ProducerRegistryTest
{
    private final AtomicInteger sourceIds = new AtomicInteger(10);
    private final ProducerRegistry registry = new ProducerRegistry("s", 2);

    @Test
    void aNewProducerIdGetsANewSourceAndSequenceZero()
    {
        final Connection a = new Connection();
        final ProducerClaim claim = a.claim(7, 0);
        a.run();
        assertEquals(List.of(claim), a.granted);
        assertEquals(11, claim.sourceId());
        assertEquals(0, claim.nextSequence());
    }

    @Test
    void aReleasedProducerIdContinuesAfterItsLastAcceptedSequence()
    {
        final Connection a = new Connection();
        final ProducerClaim first = a.claim(7, 0);
        a.run();
        first.attach();
        first.release(99);
        final Connection b = new Connection();
        final ProducerClaim second = b.claim(7, 0);
        b.run();
        assertEquals(first.sourceId(), second.sourceId());
        assertEquals(100, second.nextSequence());
    }

    @Test
    void aHigherEpochFencesTheHolderAndIsGrantedOnlyWhenItLetsGo()
    {
        final Connection a = new Connection();
        final ProducerClaim first = a.claim(7, 1);
        a.run();
        first.attach();
        final Connection b = new Connection();
        final ProducerClaim second = b.claim(7, 2);
        b.run();
        a.run();
        assertEquals(ErrorCode.PRODUCER_FENCED, a.fencedBy.code());
        assertEquals("producer 7 of stream 's' was taken over by epoch 2", a.fencedBy.getMessage());
        assertTrue(b.granted.isEmpty(), "not before the holder let go");
        first.release(41);
        b.run();
        assertEquals(List.of(second), b.granted);
        assertEquals(42, second.nextSequence());
    }

    @Test
    void lowerAndSameEpochsAreRefused()
    {
        final Connection a = new Connection();
        a.claim(7, 3);
        a.run();
        final ProtocolException lower = assertThrows(ProtocolException.class, () -> new Connection().claim(7, 2));
        assertEquals(ErrorCode.PRODUCER_FENCED, lower.code());
        assertEquals("producer 7 of stream 's' has epoch 3: epoch 2 is fenced", lower.getMessage());
        final ProtocolException same = assertThrows(ProtocolException.class, () -> new Connection().claim(7, 3));
        assertEquals("producer 7 of stream 's' is already connected with epoch 3", same.getMessage());
    }

    @Test
    void aClaimNeverAttachedIsReleasedByItsConnectionsClose()
    {
        final Connection a = new Connection();
        a.claim(7, 0);
        a.run();
        a.channel.close();
        a.run();
        final Connection b = new Connection();
        final ProducerClaim again = b.claim(7, 0);
        b.run();
        assertEquals(List.of(again), b.granted, "the same epoch again: the first connection is gone");
        assertEquals(0, again.nextSequence());
    }

    @Test
    void aWaiterThatClosedBeforeItsGrantLetsTheIdGo()
    {
        final Connection a = new Connection();
        final ProducerClaim first = a.claim(7, 1);
        a.run();
        first.attach();
        final Connection b = new Connection();
        b.claim(7, 2);
        b.channel.close();
        b.run();
        first.release(5);
        b.run();
        assertTrue(b.granted.isEmpty());
        final Connection c = new Connection();
        final ProducerClaim third = c.claim(7, 2);
        c.run();
        assertEquals(6, third.nextSequence());
    }

    @Test
    void theProducerIdIdleLongestIsForgottenPastTheCap()
    {
        for (long id = 1; id <= 3; id++)
        {
            final Connection connection = new Connection();
            final ProducerClaim claim = connection.claim(id, 0);
            connection.run();
            claim.attach();
            claim.release(9);
        }
        assertEquals(2, registry.size());
        final Connection again = new Connection();
        final ProducerClaim forgotten = again.claim(1, 0);
        again.run();
        assertEquals(0, forgotten.nextSequence(), "producer 1 was idle longest: forgotten");
        final Connection kept = new Connection();
        final ProducerClaim remembered = kept.claim(3, 0);
        kept.run();
        assertEquals(10, remembered.nextSequence());
    }

    /** A connection: its channel, the claims granted to it, and the error a fence fired through its pipeline. */
    private final class Connection
    {
        final List<ProducerClaim> granted = new ArrayList<>();
        final EmbeddedChannel channel = new EmbeddedChannel(new ChannelInboundHandlerAdapter()
        {
            @Override
            public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
            {
                fencedBy = (ProtocolException)cause;
            }
        });
        ProtocolException fencedBy;

        ProducerClaim claim(final long producerId, final int epoch)
        {
            return registry.claim(producerId, epoch, channel, sourceIds::incrementAndGet, granted::add);
        }

        void run()
        {
            channel.runPendingTasks();
            assertNull(channel.readOutbound());
        }
    }
}
