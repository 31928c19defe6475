package io.sluice.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.sluice.core.netty.ByteBufView;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.ringbuffer.RingBuffer;

import java.nio.ByteOrder;

import static io.sluice.core.protocol.FrameDescriptor.SEQUENCE_OFFSET;

/**
 * An anonymous {@link Publication}'s drain: copies each record of the ring into a pooled chunk, stamped with its
 * sequence, and hands the chunks to the socket, which keeps nothing once it has written them.
 */
final class RingToChunks implements RingDrain, MessageHandler
{
    private static final int CHUNK_BYTES = 64 * 1024;
    private static final int BYTES_PER_PASS = 16 * 1024;

    private final RingBuffer ring;
    private final AsyncSends asyncSends;
    private final ByteBufView chunkView = new ByteBufView();
    private Channel channel;
    private long nextSequence;
    private ByteBuf chunk;
    // The chunk's memory, and where the next frame goes in it (the chunk's writer index is set when it is written).
    private MutableDirectBuffer chunkMemory;
    private int chunkPosition;
    private int chunkCapacity;

    RingToChunks(final RingBuffer ring, final AsyncSends asyncSends)
    {
        this.ring = ring;
        this.asyncSends = asyncSends;
    }

    @Override
    public boolean startAt(final long sequence)
    {
        nextSequence = sequence;
        return false;
    }

    @Override
    public boolean drainTo(final Channel channel)
    {
        this.channel = channel;
        final int read = ring.read(this, BYTES_PER_PASS);
        writeChunk();
        return read > 0;
    }

    @Override
    public boolean hasMore()
    {
        return ring.size() > 0;
    }

    @Override
    public void onProgress()
    {
    }

    @Override
    public void onClosed()
    {
        if (chunk != null)
        {
            chunk.release();
            chunk = null;
        }
    }

    @Override
    public void onMessage(final int msgType, final MutableDirectBuffer buffer, final int index, final int length)
    {
        if (chunk == null || chunkCapacity - chunkPosition < length)
        {
            writeChunk();
            newChunk(Math.max(CHUNK_BYTES, length));
        }
        // Straight into the chunk's memory: one copy and one store per message, no ByteBuf index bookkeeping.
        final int frameStart = chunkPosition;
        chunkMemory.putBytes(frameStart, buffer, index, length);
        final long sequence = nextSequence++;
        chunkMemory.putLong(frameStart + SEQUENCE_OFFSET, sequence, ByteOrder.BIG_ENDIAN);
        chunkPosition = frameStart + length;
        if (msgType == AsyncSends.MSG_ASYNC)
        {
            asyncSends.onStamped(sequence);
        }
    }

    private void newChunk(final int capacity)
    {
        ByteBuf out = channel.alloc().directBuffer(capacity);
        if (!out.hasMemoryAddress())
        {
            // No sun.misc.Unsafe: a heap chunk, written through its array (Netty copies it out to the socket).
            out.release();
            out = channel.alloc().heapBuffer(capacity);
        }
        chunkMemory = chunkView.wrap(out);
        chunk = out;
        chunkCapacity = out.capacity();
        chunkPosition = 0;
    }

    private void writeChunk()
    {
        if (chunk != null)
        {
            chunk.writerIndex(chunkPosition);
            channel.write(chunk, channel.voidPromise());
            chunk = null;
        }
    }
}
