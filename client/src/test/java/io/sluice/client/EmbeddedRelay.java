package io.sluice.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The relay's side of a publication's EmbeddedChannel, played by hand: its WELCOME and ACKs, and the socket taking
 * what the event loop wrote.
 */
final class EmbeddedRelay
{
    static final int STREAM_ID = 7;
    static final int SOURCE_ID = 3;

    private EmbeddedRelay()
    {
    }

    /**
     * Connects {@code publication} over {@code channel}: its handler joins the pipeline and reads a WELCOME that
     * expects {@code nextSequence} and takes frames up to the default maximum.
     */
    static void welcome(final EmbeddedChannel channel, final PublicationEndpoint publication, final long nextSequence)
    {
        channel.pipeline().addLast(publication.handler());
        channel.writeInbound(Frames.welcome(ByteBufAllocator.DEFAULT, STREAM_ID, SOURCE_ID, nextSequence, 1000, 10_000,
            FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, 0));
        assertTrue(publication.isConnected());
    }

    /**
     * The relay acknowledges every sequence up to {@code sequence}.
     */
    static void ack(final EmbeddedChannel channel, final long sequence)
    {
        channel.writeInbound(Frames.empty(ByteBufAllocator.DEFAULT, FrameType.ACK, STREAM_ID, SOURCE_ID, sequence, 0));
    }

    /**
     * @return what the event loop wrote since the last call, as one buffer for the caller to release, each window
     * released as the socket takes it (a window coming back lets the event loop write what waited for one).
     */
    static ByteBuf written(final EmbeddedChannel channel)
    {
        final ByteBuf all = ByteBufAllocator.DEFAULT.heapBuffer();
        channel.runPendingTasks();
        ByteBuf window;
        while ((window = channel.readOutbound()) != null)
        {
            all.writeBytes(window, window.readerIndex(), window.readableBytes());
            window.release();
            channel.runPendingTasks();
        }
        return all;
    }
}
