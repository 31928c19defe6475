package io.sluice.client;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A subscriber's close, the relay played over loopback with a frame half written when the application closes: the
 * relay reads the subscriber's CLOSE, and the frame the subscriber's own close cuts short is no protocol error (both
 * poll and callback subscriptions).
 */
class SubscriberGoodbyeTest
{
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final int MESSAGES = 100;
    private static final int PAYLOAD = 64;

    private PlayedRelay<Integer> relay;

    @BeforeEach
    void startRelay() throws IOException
    {
        // Welcomes, sends whole DATA frames and half of one more, then reads until the CLOSE and closes after it.
        relay = PlayedRelay.start("relay-half-frame", DEADLINE_NANOS, (socket, in, out) ->
        {
            try (socket)
            {
                out.write(welcome());
                final byte[] data = data(MESSAGES + 1);
                out.write(data, 0, data.length - (HEADER_LENGTH + PAYLOAD) / 2);
                out.flush();
                return FrameBytes.nextFrameTypeOtherThan(in, FrameType.HEARTBEAT, FrameType.ACK);
            }
        });
    }

    @AfterEach
    void stopRelay() throws IOException
    {
        relay.close();
    }

    @ParameterizedTest(name = "callback: {0}")
    @ValueSource(booleans = {false, true})
    void theApplicationsCloseSaysGoodbyeAndAFrameItCutsShortIsNoError(final boolean callback) throws Exception
    {
        try (SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            final AtomicLong received = new AtomicLong();
            final MessageHandler handler = (buffer, offset, length, header) -> received.incrementAndGet();
            final SubscriberEndpoint subscription = callback ? client.subscribe("prices", handler) :
                client.subscribe("prices");
            final long deadline = System.nanoTime() + DEADLINE_NANOS;
            while (received.get() < MESSAGES)
            {
                assertTrue(System.nanoTime() < deadline, "received " + received.get());
                if (subscription instanceof Subscription polled)
                {
                    polled.poll(handler, 10);
                }
                LockSupport.parkNanos(100_000);
            }
            subscription.close();
            assertEquals(FrameType.CLOSE, relay.result(DEADLINE_NANOS),
                "the relay read the subscriber's goodbye");
            assertEquals(0, client.protocolErrors(), "the half frame this side's own close left unread is no error");
            assertEquals(MESSAGES, received.get());
        }
    }

    private static byte[] welcome()
    {
        return FrameBytes.bytes(Frames.welcome(UnpooledByteBufAllocator.DEFAULT, 7, 0, 0, 60_000, 60_000,
            FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, 0));
    }

    private static byte[] data(final int count)
    {
        final int frameLength = HEADER_LENGTH + PAYLOAD;
        final byte[] bytes = new byte[count * frameLength];
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        for (int i = 0; i < count; i++)
        {
            Frames.putHeader(buffer, i * frameLength, frameLength, FrameType.DATA, 0, 7, 1, i, 0);
        }
        return bytes;
    }
}
