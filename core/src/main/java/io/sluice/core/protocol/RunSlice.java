package io.sluice.core.protocol;

import io.netty.buffer.AbstractReferenceCountedByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ScatteringByteChannel;

/**
 * A slice of the decoder's input buffer that {@link FrameDecoder} emits for a run (or a single frame), and that goes
 * back to its {@link RunSlicePool} when the receiver releases it, so that decoding a read allocates no slice object.
 * <p>
 * Netty's own {@code retainedSlice} allocates a new object per call for the default (adaptive) allocator, and its
 * recycled slices for the pooled allocator are pooled only on a {@code FastThreadLocalThread}. This slice is pooled
 * whatever the thread, and may be released on any thread (a lane on another event loop).
 * <p>
 * The slice holds one reference to the input buffer while its own count is above zero and gives it back exactly once,
 * in {@link #deallocate()}. Its index and mark state is reset each time it is handed out. As with Netty's pooled
 * slices, touching it after its last release is a bug that may read another run once the slice has been reused.
 */
final class RunSlice extends AbstractReferenceCountedByteBuf implements DataRun
{
    private final RunSlicePool pool;
    /** Link in the pool's free lists; written only while the slice is not handed out. */
    RunSlice next;
    private ByteBuf parent;
    private int adjustment;
    private int length;
    // What the decoder found in the run (see DataRun); zero for a slice holding a single non-DATA frame.
    private int frameCount;
    private boolean oneSourceInOrder;
    private int streamId;
    private int sourceId;
    private long firstSequence;
    private long lastSequence;

    RunSlice(final RunSlicePool pool)
    {
        super(0);
        this.pool = pool;
    }

    /**
     * Points this slice at {@code parent[index, index + length)}, taking one reference to {@code parent}.
     */
    RunSlice init(final ByteBuf parent, final int index, final int length)
    {
        parent.retain();
        this.parent = parent;
        this.adjustment = index;
        this.length = length;
        maxCapacity(length);
        // Marks back to 0 as on a new slice, then the whole window readable.
        setIndex(0, 0);
        markReaderIndex();
        markWriterIndex();
        setIndex(0, length);
        resetRefCnt();
        return this;
    }

    /**
     * Records what the decoder found in the run; see {@link DataRun}.
     */
    RunSlice describe(
        final int frameCount, final boolean oneSourceInOrder, final int streamId, final int sourceId,
        final long firstSequence, final long lastSequence)
    {
        this.frameCount = frameCount;
        this.oneSourceInOrder = oneSourceInOrder;
        this.streamId = streamId;
        this.sourceId = sourceId;
        this.firstSequence = firstSequence;
        this.lastSequence = lastSequence;
        return this;
    }

    @Override
    public int frameCount()
    {
        return frameCount;
    }

    @Override
    public boolean isOneSourceInOrder()
    {
        return oneSourceInOrder;
    }

    @Override
    public int streamId()
    {
        return streamId;
    }

    @Override
    public int sourceId()
    {
        return sourceId;
    }

    @Override
    public long firstSequence()
    {
        return firstSequence;
    }

    @Override
    public long lastSequence()
    {
        return lastSequence;
    }

    @Override
    protected void deallocate()
    {
        final ByteBuf released = parent;
        parent = null;
        try
        {
            released.release();
        }
        finally
        {
            // Last: from here on the decoder's thread may hand this slice out again.
            pool.giveBack(this);
        }
    }

    private int idx(final int index)
    {
        return index + adjustment;
    }

    @Override
    public int capacity()
    {
        return length;
    }

    @Override
    public ByteBuf capacity(final int newCapacity)
    {
        throw new UnsupportedOperationException("a run slice has a fixed capacity");
    }

    @Override
    public ByteBufAllocator alloc()
    {
        return parent.alloc();
    }

    @Override
    @SuppressWarnings("deprecation")
    public ByteOrder order()
    {
        return parent.order();
    }

    @Override
    public ByteBuf unwrap()
    {
        return parent;
    }

    @Override
    public boolean isDirect()
    {
        return parent.isDirect();
    }

    @Override
    public boolean isReadOnly()
    {
        return parent.isReadOnly();
    }

    @Override
    public boolean isContiguous()
    {
        return parent.isContiguous();
    }

    @Override
    protected byte _getByte(final int index)
    {
        return parent.getByte(idx(index));
    }

    @Override
    protected short _getShort(final int index)
    {
        return parent.getShort(idx(index));
    }

    @Override
    protected short _getShortLE(final int index)
    {
        return parent.getShortLE(idx(index));
    }

    @Override
    protected int _getUnsignedMedium(final int index)
    {
        return parent.getUnsignedMedium(idx(index));
    }

    @Override
    protected int _getUnsignedMediumLE(final int index)
    {
        return parent.getUnsignedMediumLE(idx(index));
    }

    @Override
    protected int _getInt(final int index)
    {
        return parent.getInt(idx(index));
    }

    @Override
    protected int _getIntLE(final int index)
    {
        return parent.getIntLE(idx(index));
    }

    @Override
    protected long _getLong(final int index)
    {
        return parent.getLong(idx(index));
    }

    @Override
    protected long _getLongLE(final int index)
    {
        return parent.getLongLE(idx(index));
    }

    @Override
    protected void _setByte(final int index, final int value)
    {
        parent.setByte(idx(index), value);
    }

    @Override
    protected void _setShort(final int index, final int value)
    {
        parent.setShort(idx(index), value);
    }

    @Override
    protected void _setShortLE(final int index, final int value)
    {
        parent.setShortLE(idx(index), value);
    }

    @Override
    protected void _setMedium(final int index, final int value)
    {
        parent.setMedium(idx(index), value);
    }

    @Override
    protected void _setMediumLE(final int index, final int value)
    {
        parent.setMediumLE(idx(index), value);
    }

    @Override
    protected void _setInt(final int index, final int value)
    {
        parent.setInt(idx(index), value);
    }

    @Override
    protected void _setIntLE(final int index, final int value)
    {
        parent.setIntLE(idx(index), value);
    }

    @Override
    protected void _setLong(final int index, final long value)
    {
        parent.setLong(idx(index), value);
    }

    @Override
    protected void _setLongLE(final int index, final long value)
    {
        parent.setLongLE(idx(index), value);
    }

    @Override
    public ByteBuf getBytes(final int index, final ByteBuf dst, final int dstIndex, final int length)
    {
        checkIndex(index, length);
        parent.getBytes(idx(index), dst, dstIndex, length);
        return this;
    }

    @Override
    public ByteBuf getBytes(final int index, final byte[] dst, final int dstIndex, final int length)
    {
        checkIndex(index, length);
        parent.getBytes(idx(index), dst, dstIndex, length);
        return this;
    }

    @Override
    public ByteBuf getBytes(final int index, final ByteBuffer dst)
    {
        checkIndex(index, dst.remaining());
        parent.getBytes(idx(index), dst);
        return this;
    }

    @Override
    public ByteBuf getBytes(final int index, final OutputStream out, final int length) throws IOException
    {
        checkIndex(index, length);
        parent.getBytes(idx(index), out, length);
        return this;
    }

    @Override
    public int getBytes(final int index, final GatheringByteChannel out, final int length) throws IOException
    {
        checkIndex(index, length);
        return parent.getBytes(idx(index), out, length);
    }

    @Override
    public int getBytes(final int index, final FileChannel out, final long position, final int length)
        throws IOException
    {
        checkIndex(index, length);
        return parent.getBytes(idx(index), out, position, length);
    }

    @Override
    public ByteBuf setBytes(final int index, final ByteBuf src, final int srcIndex, final int length)
    {
        checkIndex(index, length);
        parent.setBytes(idx(index), src, srcIndex, length);
        return this;
    }

    @Override
    public ByteBuf setBytes(final int index, final byte[] src, final int srcIndex, final int length)
    {
        checkIndex(index, length);
        parent.setBytes(idx(index), src, srcIndex, length);
        return this;
    }

    @Override
    public ByteBuf setBytes(final int index, final ByteBuffer src)
    {
        checkIndex(index, src.remaining());
        parent.setBytes(idx(index), src);
        return this;
    }

    @Override
    public int setBytes(final int index, final InputStream in, final int length) throws IOException
    {
        checkIndex(index, length);
        return parent.setBytes(idx(index), in, length);
    }

    @Override
    public int setBytes(final int index, final ScatteringByteChannel in, final int length) throws IOException
    {
        checkIndex(index, length);
        return parent.setBytes(idx(index), in, length);
    }

    @Override
    public int setBytes(final int index, final FileChannel in, final long position, final int length)
        throws IOException
    {
        checkIndex(index, length);
        return parent.setBytes(idx(index), in, position, length);
    }

    @Override
    public ByteBuf copy(final int index, final int length)
    {
        checkIndex(index, length);
        return parent.copy(idx(index), length);
    }

    @Override
    public int nioBufferCount()
    {
        return parent.nioBufferCount();
    }

    @Override
    public ByteBuffer nioBuffer(final int index, final int length)
    {
        checkIndex(index, length);
        return parent.nioBuffer(idx(index), length);
    }

    @Override
    public ByteBuffer[] nioBuffers(final int index, final int length)
    {
        checkIndex(index, length);
        return parent.nioBuffers(idx(index), length);
    }

    // Not the parent's cached ByteBuffer: the slice may be written out on another event loop than the one decoding
    // into the parent (as Netty's derived buffers, which also answer with a new ByteBuffer).
    @Override
    public ByteBuffer internalNioBuffer(final int index, final int length)
    {
        return nioBuffer(index, length);
    }

    @Override
    public boolean hasArray()
    {
        return parent.hasArray();
    }

    @Override
    public byte[] array()
    {
        return parent.array();
    }

    @Override
    public int arrayOffset()
    {
        return parent.arrayOffset() + adjustment;
    }

    @Override
    public boolean hasMemoryAddress()
    {
        return parent.hasMemoryAddress();
    }

    @Override
    public long memoryAddress()
    {
        return parent.memoryAddress() + adjustment;
    }
}
