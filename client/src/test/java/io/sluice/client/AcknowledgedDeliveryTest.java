package io.sluice.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.core.netty.ProtocolErrorHandler;
import io.sluice.core.protocol.FrameDecoder;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.protocol.Header;
import io.sluice.core.protocol.Hello;
import io.sluice.core.util.RateLimitedLogger;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Acknowledged delivery on the client, over an EmbeddedChannel with the client's decoder and error handler, its clock
 * frozen so that only the test moves it: the HELLO that asks for it; positions counted from the WELCOME's sequence and
 * the redelivered flag, on the header the handler is given; ACK frames at half the granted window (messages or bytes),
 * after the interval, before CLOSE; nothing in explicit mode until the application acknowledges; and a subscription
 * that did not ask is as before, HELLO byte for byte included.
 */
class AcknowledgedDeliveryTest
{
    private static final int STREAM_ID = 5;
    private static final int PAYLOAD = 100;
    private static final int FRAME = HEADER_LENGTH + PAYLOAD;

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final List<String> events = new ArrayList<>();
    private final MessageHandler recorder = new MessageHandler()
    {
        @Override
        public void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
        {
            events.add("message " + header.sequence() + " @" + header.position() +
                (header.isRedelivered() ? " redelivered" : ""));
        }

        @Override
        public void onGap(final Header header)
        {
            events.add("gap @" + header.position() + (header.isRedelivered() ? " redelivered" : ""));
        }
    };

    @AfterEach
    void finish()
    {
        channel.finishAndReleaseAll();
    }

    private CallbackSubscription callback(final SubscribeOptions options)
    {
        final CallbackSubscription subscription = new CallbackSubscription("prices", channel, options, recorder,
            c -> {});
        pipeline(subscription);
        return subscription;
    }

    private void pipeline(final SubscriberEndpoint subscription)
    {
        channel.freezeTime();
        final RateLimitedLogger warnings = new RateLimitedLogger(LoggerFactory.getLogger("test"), 1);
        channel.pipeline().addLast(
            new FrameDecoder(ConnectionHandler.HANDSHAKE_MAX_FRAME_LENGTH, FrameDescriptor.RELAY_FLAGS),
            subscription.handler(), new ProtocolErrorHandler("client", warnings, (c, n) -> {}));
    }

    private void acknowledgedWelcome(final long firstPosition, final int windowMessages, final int windowBytes,
        final long redeliveredThrough)
    {
        channel.writeInbound(Frames.acknowledgedWelcome(ByteBufAllocator.DEFAULT, STREAM_ID, firstPosition, 1000,
            10_000, FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, windowMessages, windowBytes, redeliveredThrough, 0));
    }

    // One read from the socket: `count` DATA frames with sequences from `firstSequence`, with the given flags.
    private static ByteBuf read(final long firstSequence, final int count, final int flags)
    {
        final ByteBuf read = PooledByteBufAllocator.DEFAULT.directBuffer(count * FRAME);
        for (int i = 0; i < count; i++)
        {
            Frames.writeHeader(read, FRAME, FrameType.DATA, flags, STREAM_ID, 9, firstSequence + i, 0);
            read.writeZero(PAYLOAD);
        }
        return read;
    }

    // The ACK positions written since the last call, asserting each is a well-formed ACK.
    private List<Long> acks()
    {
        channel.runPendingTasks();
        final List<Long> positions = new ArrayList<>();
        ByteBuf frame;
        while ((frame = channel.readOutbound()) != null)
        {
            try
            {
                if (Frames.type(frame, 0) != FrameType.ACK)
                {
                    positions.add(-(long)Frames.type(frame, 0));
                    continue;
                }
                assertEquals(HEADER_LENGTH, frame.readableBytes());
                assertEquals(HEADER_LENGTH, Frames.frameLength(frame, 0));
                assertEquals(0, Frames.flags(frame, 0));
                assertEquals(STREAM_ID, Frames.streamId(frame, 0));
                assertEquals(0, Frames.sourceId(frame, 0));
                positions.add(Frames.sequence(frame, 0));
            }
            finally
            {
                frame.release();
            }
        }
        return positions;
    }

    private void afterInterval()
    {
        channel.advanceTimeBy(Acknowledgements.MAX_DELAY_MS, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }

    @Test
    void theHelloCarriesTheFeatureAndTheWindow()
    {
        final Hello hello = helloOf(SubscribeOptions.acknowledged().window(64, 1 << 20));
        final ByteBuf frame = Frames.hello(ByteBufAllocator.DEFAULT, hello, 0);
        try
        {
            assertEquals(Hello.FEATURE_ACKNOWLEDGED_DELIVERY, frame.getByte(HEADER_LENGTH + 1));
            final int end = frame.writerIndex();
            assertEquals(64, frame.getInt(end - 8));
            assertEquals(1 << 20, frame.getInt(end - 4));
            final Hello parsed = Hello.parse(frame);
            assertTrue(parsed.acknowledged());
            assertEquals("audit", parsed.subscription());
            assertEquals(64, parsed.windowMessages());
            assertEquals(1 << 20, parsed.windowBytes());
        }
        finally
        {
            frame.release();
        }
    }

    @Test
    void aSubscriptionThatDoesNotAskSendsTheHelloOfBefore()
    {
        final ByteBuf frame = Frames.hello(ByteBufAllocator.DEFAULT, helloOf(SubscribeOptions.DEFAULT), 0);
        try
        {
            // The payload as version 1 first defined it: role, no features, then the three length-prefixed strings.
            final ByteBuf expected = Unpooled.buffer();
            expected.writeByte(2).writeByte(0);
            for (final String s : new String[]{"prices", "audit", "secret"})
            {
                expected.writeShort(s.length()).writeBytes(s.getBytes(StandardCharsets.US_ASCII));
            }
            assertEquals(HEADER_LENGTH + expected.readableBytes(), frame.readableBytes());
            assertEquals(HEADER_LENGTH + expected.readableBytes(), Frames.frameLength(frame, 0));
            assertEquals(0, Frames.flags(frame, 0));
            assertArrayEquals(ByteBufUtil.getBytes(expected),
                ByteBufUtil.getBytes(frame, HEADER_LENGTH, expected.readableBytes()));
        }
        finally
        {
            frame.release();
        }
    }

    private static Hello helloOf(final SubscribeOptions options)
    {
        try
        {
            return SluiceClient.subscriberHello("prices", "audit", "secret", options);
        }
        catch (final SluiceException ex)
        {
            throw new AssertionError(ex);
        }
    }

    @Test
    void positionsCountFromTheWelcomesSequenceAndRedeliveredFramesAreFlagged()
    {
        final CallbackSubscription subscription = callback(SubscribeOptions.acknowledged());
        acknowledgedWelcome(41, 1000, 1 << 20, 42);
        assertTrue(subscription.isAcknowledging());
        assertEquals(41, subscription.firstPosition());
        assertEquals(42, subscription.redeliveredThrough());
        assertEquals(1000, subscription.windowMessages());
        assertEquals(1 << 20, subscription.windowBytes());

        final ByteBuf first = read(7, 1, FrameDescriptor.FLAG_REDELIVERED);
        Frames.writeGap(first, STREAM_ID, 9, 8, 8, 1, 2, 0);
        first.setShort(FRAME + FrameDescriptor.FLAGS_OFFSET, FrameDescriptor.FLAG_REDELIVERED);
        channel.writeInbound(first);
        channel.writeInbound(read(20, 2, 0));
        assertEquals(List.of("message 7 @41 redelivered", "gap @42 redelivered", "message 20 @43", "message 21 @44"),
            events);
        assertEquals(44, subscription.acknowledgedPosition(), "each acknowledged once the handler returned");
    }

    @Test
    void anAckGoesOutWhenHalfTheWindowOfMessagesIsProcessedAndTheRestAfterTheInterval()
    {
        callback(SubscribeOptions.acknowledged().window(8, 0));
        acknowledgedWelcome(1, 8, 1 << 30, 0);
        channel.writeInbound(read(0, 3, 0));
        assertEquals(List.of(), acks(), "3 of a window of 8: not yet");
        channel.writeInbound(read(3, 2, 0));
        assertEquals(List.of(4L), acks(), "sent as the fourth was processed");
        afterInterval();
        assertEquals(List.of(5L), acks(), "the fifth, within the interval");
        afterInterval();
        assertEquals(List.of(), acks(), "nothing new to acknowledge");
    }

    @Test
    void anAckGoesOutWhenHalfTheWindowOfBytesIsProcessed()
    {
        callback(SubscribeOptions.acknowledged());
        acknowledgedWelcome(1, 1000, 6 * FRAME, 0);
        channel.writeInbound(read(0, 2, 0));
        assertEquals(List.of(), acks());
        channel.writeInbound(read(2, 2, 0));
        assertEquals(List.of(3L), acks(), "three frames are half the window's bytes");
    }

    @Test
    void anUnsentAckWaitsNoLongerThanTheInterval()
    {
        callback(SubscribeOptions.acknowledged());
        acknowledgedWelcome(1, 1000, 1 << 30, 0);
        channel.writeInbound(read(0, 1, 0));
        channel.advanceTimeBy(Acknowledgements.MAX_DELAY_MS - 1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertEquals(List.of(), acks());
        channel.writeInbound(read(1, 1, 0));
        channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertEquals(List.of(2L), acks(), "the interval runs from the first unsent acknowledgement");
    }

    @Test
    void explicitModeSendsNothingUntilTheApplicationAcknowledges()
    {
        final CallbackSubscription subscription = callback(
            SubscribeOptions.acknowledged().ackMode(AckMode.EXPLICIT));
        acknowledgedWelcome(1, 4, 1 << 30, 0);
        channel.writeInbound(read(0, 3, 0));
        afterInterval();
        assertEquals(List.of(), acks());
        assertEquals(0, subscription.acknowledgedPosition());

        subscription.acknowledge(1);
        assertEquals(List.of(), acks(), "1 of a window of 4");
        afterInterval();
        assertEquals(List.of(1L), acks());
        subscription.acknowledge(3);
        assertEquals(List.of(3L), acks(), "half the window at once");
        subscription.acknowledge(2);
        afterInterval();
        assertEquals(List.of(), acks(), "below what is acknowledged: nothing");
        assertThrows(IllegalArgumentException.class, () -> subscription.acknowledge(4), "not delivered yet");
    }

    @Test
    void closeSendsWhatIsProcessedThenClose()
    {
        final CallbackSubscription subscription = callback(SubscribeOptions.acknowledged());
        acknowledgedWelcome(1, 1000, 1 << 30, 0);
        channel.writeInbound(read(0, 2, 0));
        subscription.close();
        assertEquals(List.of(2L, -(long)FrameType.CLOSE), acks());
    }

    @Test
    void aPollSubscriptionAcknowledgesWhatItDeliveredWhenTheApplicationPollsAgain()
    {
        final Subscription subscription = new Subscription("prices", channel, SubscribeOptions.acknowledged(), 1024,
            64 * 1024, c -> {});
        pipeline(subscription);
        acknowledgedWelcome(11, 4, 1 << 30, 10);
        channel.writeInbound(read(0, 3, 0));
        assertEquals(3, subscription.poll(recorder, 10));
        assertEquals(List.of("message 0 @11", "message 1 @12", "message 2 @13"), events);
        afterInterval();
        assertEquals(List.of(), acks(), "handed to the application, which has not come back");
        assertEquals(0, subscription.poll(recorder, 10));
        assertEquals(List.of(13L), acks(), "three processed: past half the window");
        channel.writeInbound(read(3, 1, 0));
        assertEquals(1, subscription.poll(recorder, 10));
        assertEquals(0, subscription.poll(recorder, 10));
        assertEquals(List.of(), acks(), "one of a window of 4");
        afterInterval();
        assertEquals(List.of(14L), acks());
    }

    @Test
    void aSubscriptionThatDidNotAskCountsNothingAndSendsNoAck()
    {
        final CallbackSubscription subscription = callback(SubscribeOptions.DEFAULT);
        channel.writeInbound(Frames.welcome(ByteBufAllocator.DEFAULT, STREAM_ID, 0, 0, 1000, 10_000,
            FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, 0));
        channel.writeInbound(read(0, 3, 0));
        afterInterval();
        assertEquals(List.of("message 0 @0", "message 1 @0", "message 2 @0"), events);
        assertEquals(List.of(), acks());
        assertFalse(subscription.isAcknowledging());
        assertThrows(IllegalStateException.class, () -> subscription.acknowledge(1));
    }

    @Test
    void aWelcomeWithoutTheWindowToASubscriberThatAskedIsAProtocolError()
    {
        final CallbackSubscription subscription = callback(SubscribeOptions.acknowledged());
        channel.writeInbound(Frames.welcome(ByteBufAllocator.DEFAULT, STREAM_ID, 0, 1, 1000, 10_000,
            FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, 0));
        channel.runPendingTasks();
        assertFalse(subscription.isConnected());
        assertFalse(channel.isOpen());
        assertTrue(subscription.closeReason().contains("acknowledged-delivery"), subscription.closeReason());
        assertEquals(List.of(-(long)FrameType.ERROR), acks());
    }
}
