package io.sluice.server.lane;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.util.Version;
import io.sluice.core.netty.Transports;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.EOFException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link UnsentFrames} reads and edits Netty's {@code ChannelOutboundBuffer}, which is not public API: this pins what
 * it relies on to the Netty version it was checked against. Over a real socket whose peer does not read, frames are
 * written until the kernel holds what it can take; then, on the channel's event loop, the frames the kernel has not
 * started are taken back and the rest of a frame it took part of is finished. The peer must then receive exactly the
 * frames before the first taken back, whole, and nothing after.
 */
class UnsentFramesTest
{
    /** The Netty version whose outbound buffer this behaviour was checked against. */
    private static final String CHECKED_NETTY = "4.2.18.Final";

    @Test
    void nettyIsTheVersionUnsentFramesWasCheckedAgainst()
    {
        assertEquals(CHECKED_NETTY, Version.identify().get("netty-transport").artifactVersion(),
            "UnsentFrames uses ChannelOutboundBuffer (currentProgress, forEachFlushedMessage, remove): run " +
                "takesBackWhatTheKernelHasNotStartedAndFinishesThePartFrame against the new version, then update " +
                "CHECKED_NETTY");
    }

    @Test
    void takesBackWhatTheKernelHasNotStartedAndFinishesThePartFrame() throws Exception
    {
        final EventLoopGroup group = Transports.newGroup(1, "unsent-test");
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            final Channel channel = new Bootstrap().group(group).channel(Transports.clientChannel())
                .option(ChannelOption.SO_SNDBUF, 16 * 1024)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(server.getLocalSocketAddress()).sync().channel();
            try (Socket peer = server.accept())
            {
                peer.setReceiveBufferSize(16 * 1024);
                // Runs of frames of odd sizes, so that where the kernel stops is rarely a frame boundary.
                final int frames = 2_000;
                channel.eventLoop().submit(() ->
                {
                    int sequence = 0;
                    while (sequence < frames)
                    {
                        final ByteBuf run = PooledByteBufAllocator.DEFAULT.directBuffer();
                        for (int i = 0; i < 8 && sequence < frames; i++, sequence++)
                        {
                            final int payload = 1_000 + (sequence % 17) * 13;
                            Frames.writeHeader(run, FrameDescriptor.HEADER_LENGTH + payload, FrameType.DATA, 0, 1, 1,
                                sequence, 0);
                            run.writeZero(payload);
                        }
                        channel.write(run, channel.voidPromise());
                    }
                    channel.flush();
                }).get(10, TimeUnit.SECONDS);

                final List<Long> takenBack = new ArrayList<>();
                final boolean[] partFrame = new boolean[1];
                channel.eventLoop().submit(() ->
                {
                    final UnsentFrames unsent = UnsentFrames.collect(channel);
                    partFrame[0] = unsent.finishesAPartFrame();
                    for (final ByteBuf buffer : unsent.frames())
                    {
                        for (int at = buffer.readerIndex(); at < buffer.writerIndex();
                            at += Frames.frameLength(buffer, at))
                        {
                            takenBack.add(Frames.sequence(buffer, at));
                        }
                        buffer.release();
                    }
                    unsent.clearAndFinish(channel);
                    // Close once what is still written (the rest of the part frame) is out.
                    channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
                }).get(10, TimeUnit.SECONDS);

                assertTrue(!takenBack.isEmpty(), "the kernel took everything: nothing to take back");
                final long firstTakenBack = takenBack.get(0);
                for (int i = 0; i < takenBack.size(); i++)
                {
                    assertEquals(firstTakenBack + i, takenBack.get(i), "taken back in order");
                }
                assertEquals(frames, firstTakenBack + takenBack.size(), "everything from the first taken back");
                // The peer receives whole frames up to the first taken back, then the end of the stream.
                final DataInputStream in = new DataInputStream(peer.getInputStream());
                long received = 0;
                try
                {
                    while (true)
                    {
                        final int length = in.readInt();
                        final byte[] rest = new byte[length - 4];
                        in.readFully(rest);
                        final long sequence =
                            java.nio.ByteBuffer.wrap(rest).getLong(FrameDescriptor.SEQUENCE_OFFSET - 4);
                        assertEquals(received, sequence, "frame " + received);
                        received++;
                    }
                }
                catch (final EOFException end)
                {
                    assertEquals(firstTakenBack, received, "frames received before the end of the stream (part frame " +
                        "finished: " + partFrame[0] + ")");
                }
            }
        }
        finally
        {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
