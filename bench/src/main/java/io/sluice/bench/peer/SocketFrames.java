package io.sluice.bench.peer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.bench.load.Link;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;

import static io.sluice.core.protocol.FrameDescriptor.*;

/**
 * Sluice frames over a plain {@link SocketChannel}, without Sluice's client: the producer and consumer ends that the
 * byte-relay peers (direct, haproxy) and Sluice's relay with plain-socket clients all share, so that those runs
 * differ only in what sits between the two sockets.
 */
final class SocketFrames
{
    private static final int WRITE_BUFFER = 64 * 1024;
    private static final int READ_BUFFER = 256 * 1024;

    private SocketFrames()
    {
    }

    /**
     * Batches DATA frames into a 64 KiB buffer and writes it out, blocking, when full or when the producer is about
     * to wait. Every header field is real: the frames are valid Sluice DATA frames whatever carries them.
     */
    static final class Writer implements Link.Outlet
    {
        private final SocketChannel channel;
        private final int streamId;
        private final int sourceId;
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(WRITE_BUFFER).order(ByteOrder.BIG_ENDIAN);
        private final UnsafeBuffer view = new UnsafeBuffer(buffer);
        private long sequence;
        private volatile String failure;

        /**
         * @param channel a blocking channel.
         * @param streamId stream id to write (the relay's, from its WELCOME, or 0).
         * @param sourceId source id to write.
         * @param firstSequence the first DATA sequence.
         */
        Writer(final SocketChannel channel, final int streamId, final int sourceId, final long firstSequence)
        {
            this.channel = channel;
            this.streamId = streamId;
            this.sourceId = sourceId;
            this.sequence = firstSequence;
        }

        /** Any thread: makes the next offer fail with this reason (e.g. an ERROR frame the relay sent). */
        void fail(final String reason)
        {
            failure = reason;
        }

        @Override
        public boolean offer(
            final UnsafeBuffer payload, final int length, final boolean keyed, final long timestampNanos)
            throws IOException
        {
            final int frameLength = HEADER_LENGTH + length;
            if (buffer.remaining() < frameLength)
            {
                flush();
            }
            final int at = buffer.position();
            Frames.putHeader(view, at, frameLength, FrameType.DATA, keyed ? FLAG_KEYED : 0, streamId, sourceId,
                sequence++, timestampNanos);
            view.putBytes(at + HEADER_LENGTH, payload, 0, length);
            buffer.position(at + frameLength);
            return true;
        }

        @Override
        public void flush() throws IOException
        {
            final String reason = failure;
            if (reason != null)
            {
                throw new IOException(reason);
            }
            buffer.flip();
            while (buffer.hasRemaining())
            {
                channel.write(buffer);
            }
            buffer.clear();
        }

        @Override
        public void close() throws IOException
        {
            try
            {
                flush();
            }
            finally
            {
                channel.close();
            }
        }
    }

    /**
     * Reads frames from a non-blocking channel and hands them to a sink: DATA as a message, GAP as dropped messages;
     * ACK, HEARTBEAT and WELCOME are skipped; ERROR and CLOSE end the link with what the sender said.
     */
    static final class Reader implements AutoCloseable
    {
        private final ByteBuf in = Unpooled.directBuffer(READ_BUFFER, READ_BUFFER);

        /**
         * @param channel the channel to read (non-blocking, or blocking when the caller means to wait).
         * @param sink receives messages and drops.
         * @param limit most messages (and drop notices) to deliver.
         * @return what was delivered.
         * @throws IOException when the channel fails or the sender sent ERROR or CLOSE.
         */
        int read(final SocketChannel channel, final Link.Sink sink, final int limit) throws IOException
        {
            if (in.isWritable() && in.writeBytes(channel, in.writableBytes()) < 0 && !in.isReadable())
            {
                return 0;
            }
            int delivered = 0;
            while (delivered < limit && in.readableBytes() >= HEADER_LENGTH)
            {
                final int at = in.readerIndex();
                final int frameLength = Frames.frameLength(in, at);
                if (frameLength < HEADER_LENGTH || frameLength > READ_BUFFER)
                {
                    throw new IOException("bad frame length " + frameLength + " from " + channel.getRemoteAddress());
                }
                if (in.readableBytes() < frameLength)
                {
                    break;
                }
                switch (Frames.type(in, at))
                {
                    case FrameType.DATA -> sink.onMessage(Frames.timestamp(in, at));
                    case FrameType.GAP -> sink.onDropped(Frames.gapDroppedCount(in, at));
                    case FrameType.ERROR -> throw new IOException(
                        "ERROR " + Frames.errorCode(in, at) + ": " + Frames.errorText(in, at));
                    case FrameType.CLOSE -> throw new IOException("closed by the sender (CLOSE)");
                    default ->
                    {
                        in.skipBytes(frameLength);
                        continue;
                    }
                }
                in.skipBytes(frameLength);
                delivered++;
            }
            in.discardSomeReadBytes();
            return delivered;
        }

        /**
         * Blocks until one whole frame has been read; for handshakes on a blocking channel.
         *
         * @param channel a blocking channel.
         * @return the frame's index in {@link #buffer()}; skip it with {@code buffer().skipBytes} once read.
         * @throws IOException when the channel ends first.
         */
        int awaitFrame(final SocketChannel channel) throws IOException
        {
            while (in.readableBytes() < HEADER_LENGTH || in.readableBytes() < Frames.frameLength(in, in.readerIndex()))
            {
                if (in.writeBytes(channel, in.writableBytes()) < 0)
                {
                    throw new IOException("connection closed during the handshake");
                }
            }
            return in.readerIndex();
        }

        /** @return the buffer {@link #awaitFrame} indexes into. */
        ByteBuf buffer()
        {
            return in;
        }

        @Override
        public void close()
        {
            in.release();
        }
    }

    /** @return a frame's bytes as a heap buffer ready to write, and releases the frame. */
    static ByteBuffer toNio(final ByteBuf frame)
    {
        try
        {
            final ByteBuffer out = ByteBuffer.allocate(frame.readableBytes());
            frame.getBytes(frame.readerIndex(), out);
            return out.flip();
        }
        finally
        {
            frame.release();
        }
    }
}
