package io.sluice.server.lane;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.util.EpochClock;
import io.sluice.server.GapCheckingHandler;
import io.sluice.server.config.StreamConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A lane driven directly on an {@link EmbeddedChannel}: the subscriber's channel is made unwritable and writable by
 * hand, and what the lane writes is read back from the channel's outbound messages as the subscriber's byte stream.
 */
class LaneTest
{
    private static final int STREAM_ID = 1;
    private static final int SOURCE_ID = 9;

    private static ByteBuf frame(final long sequence, final int payload)
    {
        final ByteBuf run = PooledByteBufAllocator.DEFAULT.directBuffer(FrameDescriptor.HEADER_LENGTH + payload);
        Frames.writeHeader(run, FrameDescriptor.HEADER_LENGTH + payload, FrameType.DATA, 0, STREAM_ID, SOURCE_ID,
            sequence, EpochClock.nanos());
        run.writeLongLE(sequence); // read back natively, as the client's handlers do
        run.writeZero(payload - 8);
        return run;
    }

    private static EmbeddedChannel channel(final io.netty.channel.ChannelHandlerContext ctx)
    {
        return (EmbeddedChannel)ctx.channel();
    }

    private static void writable(final EmbeddedChannel channel, final boolean writable)
    {
        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, writable);
    }

    @Test
    void aFullLaneRefusesRunsUntilItHasDrainedToHalfThenWakesItsWaitersOnce()
    {
        // 4 KiB lane, runs of one 1 KiB frame; the subscriber's channel turns unwritable with each run written, so
        // each drain pass writes one run.
        final EmbeddedChannel channel = new EmbeddedChannel(new io.netty.channel.ChannelOutboundHandlerAdapter()
        {
            @Override
            public void write(final io.netty.channel.ChannelHandlerContext ctx, final Object msg,
                final io.netty.channel.ChannelPromise promise)
            {
                ctx.write(msg, promise);
                writable(channel(ctx), false);
            }
        });
        final Lane lane = new Lane(channel, "marks", "", StreamConfig.DEFAULT.withLaneBytes(4096), null, null);
        final Subscriber subscriber = new Subscriber();
        final int[] wakes = new int[1];
        final int payload = 1024 - FrameDescriptor.HEADER_LENGTH;
        ByteBuf refused = null;
        try
        {
            int sequence = 0;
            writable(channel, false);
            for (int i = 0; i < 4; i++)
            {
                assertEquals(Lane.OFFER_ACCEPTED, lane.offer(frame(sequence++, payload), 1));
            }
            refused = frame(sequence, payload);
            assertEquals(Lane.OFFER_FULL, lane.offer(refused, 1), "full at lane-bytes");
            lane.awaitRoom(() -> wakes[0]++);
            channel.runPendingTasks();

            // One run out: below lane-bytes, above half. The lane still refuses, and wakes nobody.
            writable(channel, true);
            lane.drain();
            subscriber.read(channel);
            assertEquals(3 * 1024, lane.queuedBytes());
            assertEquals(Lane.OFFER_FULL, lane.offer(refused, 1), "a lane between its marks takes nothing");
            assertEquals(0, wakes[0]);

            // Down to half: the waiter is woken, and the lane takes runs again up to lane-bytes.
            writable(channel, true);
            lane.drain();
            subscriber.read(channel);
            assertEquals(2 * 1024, lane.queuedBytes());
            assertEquals(1, wakes[0], "woken at the half mark");
            assertEquals(Lane.OFFER_ACCEPTED, lane.offer(refused, 1));
            refused = null;
            sequence++;
            assertEquals(Lane.OFFER_ACCEPTED, lane.offer(frame(sequence++, payload), 1));
            refused = frame(sequence, payload);
            assertEquals(Lane.OFFER_FULL, lane.offer(refused, 1), "full again at lane-bytes");
            refused.release();
            refused = null;
            for (int round = 0; round < 20 && subscriber.received < sequence; round++)
            {
                writable(channel, true);
                lane.drain();
                subscriber.read(channel);
            }
            assertEquals(sequence, subscriber.received, "every run out, in order");
            assertEquals(1, wakes[0]);
            assertTrue(subscriber.checker.clean(), subscriber.toString());
        }
        finally
        {
            if (refused != null)
            {
                refused.release();
            }
            lane.close();
            channel.finishAndReleaseAll();
            subscriber.release();
        }
    }

    @Test
    void aLaneThatRefusedARunAndThenEmptiedWithoutAWaiterTakesRunsAgain()
    {
        // The refusal sets the lane refusing; the drain that clears it is scheduled by the refusal itself, so a lane
        // whose producers all gave up (or never registered) cannot stay refusing while empty.
        final EmbeddedChannel channel = new EmbeddedChannel();
        final Lane lane = new Lane(channel, "marks", "", StreamConfig.DEFAULT.withLaneBytes(1024), null, null);
        final Subscriber subscriber = new Subscriber();
        try
        {
            writable(channel, false);
            assertEquals(Lane.OFFER_ACCEPTED, lane.offer(frame(0, 1024), 1));
            channel.runPendingTasks();
            final ByteBuf refused = frame(1, 1024);
            assertEquals(Lane.OFFER_FULL, lane.offer(refused, 1));
            // No SubscriberHandler here: only the drain the refusal scheduled moves the lane on.
            writable(channel, true);
            channel.runPendingTasks();
            subscriber.read(channel);
            assertEquals(0, lane.queuedBytes());
            assertEquals(Lane.OFFER_ACCEPTED, lane.offer(refused, 1));
            channel.runPendingTasks();
            subscriber.read(channel);
            assertEquals(2, subscriber.received);
        }
        finally
        {
            lane.close();
            channel.finishAndReleaseAll();
            subscriber.release();
        }
    }

    @Test
    void aMessageLargerThanAnEighthOfMemoryGoesOutAfterTheHeadGapsOfDropOldest()
    {
        // 1 MiB memory: a record holds 128 KiB, so each 200 KiB message is two fragments and the first fills a record.
        final EmbeddedChannel channel = new EmbeddedChannel();
        final Lane lane = new Lane(channel, "large", "", StreamConfig.DEFAULT.withStrategyName("drop-oldest")
            .withMemoryBytes(1024 * 1024), null, null);
        final Subscriber subscriber = new Subscriber();
        try
        {
            writable(channel, false);
            final int sent = 12;
            for (int sequence = 0; sequence < sent; sequence++)
            {
                assertEquals(Lane.OFFER_ACCEPTED, lane.offer(frame(sequence, 200 * 1024), 1));
                channel.runPendingTasks();
            }
            assertTrue(lane.snapshot().droppedByReason().values().stream().mapToLong(Long::longValue).sum() > 0,
                "the full memory tier evicted the oldest: " + lane.snapshot());
            assertEquals(0, subscriber.read(channel), "nothing written while unwritable");

            // The subscriber reads again: GAP frames for the evicted, then the waiting messages, whole.
            writable(channel, true);
            lane.drain();
            assertTrue(subscriber.read(channel) > 0, "the lane wrote nothing: " + lane.snapshot());
            for (int round = 0; round < 100 && subscriber.received + subscriber.gapMessages < sent; round++)
            {
                lane.drain();
                subscriber.read(channel);
            }
            assertEquals(sent, subscriber.received + subscriber.gapMessages, subscriber.toString());
            assertTrue(subscriber.checker.clean(), subscriber.toString());
            final LaneSnapshot snapshot = lane.snapshot();
            assertEquals(sent, snapshot.messagesIn());
            assertEquals(subscriber.received, snapshot.messagesOut());
            assertEquals(0, snapshot.waitingMessages(), snapshot.toString());
        }
        finally
        {
            lane.close();
            channel.finishAndReleaseAll();
            subscriber.release();
        }
    }

    @Test
    void closingADurableLaneHandsItsMemoryOverInChunksOfWhatADrainCopies()
    {
        // 8 MiB memory: a record may hold 1 MiB, but a drain copies 64 KiB (or one larger fragment alone), so the
        // hand-over must not allocate 1 MiB per chunk.
        final EmbeddedChannel channel = new EmbeddedChannel();
        final java.util.List<Integer> allocated = new java.util.ArrayList<>();
        channel.config().setAllocator(countingAllocator(allocated));
        final FakeDiskTier disk = new FakeDiskTier(true, true);
        final Lane lane = new Lane(channel, "durable", "keep", StreamConfig.DEFAULT.withStrategyName("spill")
            .withMemoryBytes(8 * 1024 * 1024), waker -> disk, null);
        try
        {
            writable(channel, false);
            long stored = 0;
            for (int sequence = 0; sequence < 3_000; sequence++)
            {
                final int payload = sequence == 1_000 ? 1536 * 1024 : 1_000; // one frame stored as two fragments
                assertEquals(Lane.OFFER_ACCEPTED, lane.offer(frame(sequence, payload), 1));
                stored += FrameDescriptor.HEADER_LENGTH + payload;
                channel.runPendingTasks();
            }
            assertEquals(3_000, lane.snapshot().waitingMessages());
            allocated.clear();

            lane.close();

            // Chunks of whole frames, 64 KiB or one larger frame alone, holding together what memory held.
            final int largest = FrameDescriptor.HEADER_LENGTH + 1536 * 1024;
            long handedOver = 0;
            long held = 0;
            long next = 0;
            for (final ByteBuf chunk : disk.head)
            {
                handedOver += chunk.readableBytes();
                held += chunk.capacity();
                for (int at = chunk.readerIndex(); at < chunk.writerIndex(); at += Frames.frameLength(chunk, at))
                {
                    assertEquals(next++, Frames.sequence(chunk, at), "frames whole and in order");
                }
                assertTrue(chunk.capacity() <= 64 * 1024 || chunk.capacity() == largest,
                    "a chunk of " + chunk.capacity() + " bytes");
            }
            assertEquals(3_000, next);
            assertEquals(stored, handedOver, "every frame handed over");
            assertEquals(stored, held, "chunks no larger than their frames");
            for (final int bytes : allocated)
            {
                assertTrue(bytes <= 64 * 1024 || bytes == largest, "a chunk of " + bytes + " bytes allocated");
            }
        }
        finally
        {
            lane.close();
            disk.release();
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void aWakeFromTheDiskTierWhileTheLaneIsBeingBuiltIsNeitherAFaultNorLost()
    {
        // The disk tier is made in the lane's constructor and its spill thread may wake the lane at once, before the
        // constructor has set the lane's fields: the worst case is a wake from within the factory itself.
        final EmbeddedChannel channel = new EmbeddedChannel();
        final FakeDiskTier disk = new FakeDiskTier(true, true);
        final Lane lane = new Lane(channel, "durable", "keep", StreamConfig.DEFAULT.withStrategyName("spill"),
            waker ->
            {
                waker.wake();
                return disk;
            }, null);
        try
        {
            channel.runPendingTasks();
            assertTrue(disk.polls > 0, "the lane never drained after the early wake");
        }
        finally
        {
            lane.close();
            disk.release();
            channel.finishAndReleaseAll();
        }
    }

    private static io.netty.buffer.ByteBufAllocator countingAllocator(final java.util.List<Integer> directBuffers)
    {
        return (io.netty.buffer.ByteBufAllocator)java.lang.reflect.Proxy.newProxyInstance(
            LaneTest.class.getClassLoader(), new Class<?>[] {io.netty.buffer.ByteBufAllocator.class},
            (proxy, method, args) ->
            {
                if ("directBuffer".equals(method.getName()) && args != null && args.length >= 1)
                {
                    directBuffers.add((Integer)args[0]);
                }
                try
                {
                    return method.invoke(PooledByteBufAllocator.DEFAULT, args);
                }
                catch (final java.lang.reflect.InvocationTargetException ex)
                {
                    throw ex.getCause();
                }
            });
    }

    /** The subscriber's side: whole frames from the byte stream the lane wrote, checked like a client would. */
    private static final class Subscriber
    {
        private final ByteBuf stream = PooledByteBufAllocator.DEFAULT.directBuffer();
        private final io.sluice.core.protocol.Header header = new io.sluice.core.protocol.Header();
        private final org.agrona.concurrent.UnsafeBuffer view = new org.agrona.concurrent.UnsafeBuffer(0, 0);
        final GapCheckingHandler checker = new GapCheckingHandler();
        long received;
        long gapMessages;

        /** @return bytes taken from the channel. */
        int read(final EmbeddedChannel channel)
        {
            int bytes = 0;
            ByteBuf written;
            while ((written = channel.readOutbound()) != null)
            {
                bytes += written.readableBytes();
                stream.writeBytes(written);
                written.release();
            }
            while (stream.readableBytes() >= FrameDescriptor.HEADER_LENGTH
                && stream.readableBytes() >= Frames.frameLength(stream, stream.readerIndex()))
            {
                final int at = stream.readerIndex();
                final int length = Frames.frameLength(stream, at);
                view.wrap(stream.memoryAddress() + at, length);
                header.wrap(view, 0);
                if (Frames.type(stream, at) == FrameType.GAP)
                {
                    gapMessages += header.gapDroppedCount();
                    checker.onGap(header);
                }
                else
                {
                    received++;
                    checker.onMessage(view, FrameDescriptor.HEADER_LENGTH, length - FrameDescriptor.HEADER_LENGTH,
                        header);
                }
                stream.skipBytes(length);
            }
            stream.discardReadBytes();
            return bytes;
        }

        void release()
        {
            stream.release();
        }

        @Override
        public String toString()
        {
            return "received=" + received + " gapMessages=" + gapMessages + " " + checker;
        }
    }
}
