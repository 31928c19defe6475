package io.sluice.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.core.protocol.FrameDecoder;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Decoding: a 64 KiB socket read of 64-byte messages through {@link FrameDecoder} (header checks on every frame,
 * one run out, released by the next handler), and encoding the same frames' headers. Reported per message.
 * <p>
 * The read enters the pipeline as a socket read does ({@code fireChannelRead} then {@code fireChannelReadComplete} at
 * the head), and a handler behind the decoder releases the run, so that {@code -prof gc} counts the decoder and not
 * {@link EmbeddedChannel#writeInbound}'s varargs array, its inbound queue or a per-read duplicate.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dio.netty.leakDetection.level=disabled"})
public class FrameDecoderBenchmark
{
    static final int PAYLOAD = 64;
    static final int FRAME = FrameDescriptor.HEADER_LENGTH + PAYLOAD;
    static final int FRAMES = 64 * 1024 / FRAME;

    private EmbeddedChannel channel;
    private ChannelPipeline pipeline;
    private RunSink sink;
    private long reads;
    private ByteBuf read;
    private ByteBuf encoded;

    @Setup(Level.Trial)
    public void setUp()
    {
        sink = new RunSink();
        channel = new EmbeddedChannel(new FrameDecoder(FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH), sink);
        pipeline = channel.pipeline();
        read = newRead();
        encoded = PooledByteBufAllocator.DEFAULT.directBuffer(FRAMES * FRAME);
    }

    /**
     * @return a 64 KiB socket read: {@link #FRAMES} DATA frames of one source in sequence, each payload starting with
     * its index.
     */
    static ByteBuf newRead()
    {
        final ByteBuf read = PooledByteBufAllocator.DEFAULT.directBuffer(FRAMES * FRAME);
        for (int i = 0; i < FRAMES; i++)
        {
            Frames.writeHeader(read, FRAME, FrameType.DATA, 0, 1, 1, i, i);
            read.writeLong(i);
            read.writeZero(PAYLOAD - Long.BYTES);
        }
        return read;
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        if (sink.runs != reads || sink.bytes != (long)reads * FRAMES * FRAME || read.refCnt() != 1)
        {
            throw new IllegalStateException("expected one whole run per read: " + reads + " reads, " + sink.runs
                + " runs, " + sink.bytes + " bytes, read buffer refCnt " + read.refCnt());
        }
        read.release();
        encoded.release();
        channel.finishAndReleaseAll();
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public long decodeRun()
    {
        // The same memory as a new read each time: rewound, with the reference the decoder drops once it has
        // consumed it all.
        read.readerIndex(0);
        reads++;
        pipeline.fireChannelRead(read.retain());
        pipeline.fireChannelReadComplete();
        return sink.bytes;
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public int encodeHeaders()
    {
        encoded.clear();
        for (int i = 0; i < FRAMES; i++)
        {
            Frames.writeHeader(encoded, FRAME, FrameType.DATA, 0, 1, 1, i, i);
            encoded.writerIndex(encoded.writerIndex() + PAYLOAD);
        }
        return encoded.writerIndex();
    }

    /** The receiver: takes each run the decoder emits, as a lane would, and releases it. */
    static final class RunSink extends ChannelInboundHandlerAdapter
    {
        long runs;
        long bytes;

        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object msg)
        {
            final ByteBuf run = (ByteBuf)msg;
            runs++;
            bytes += run.readableBytes();
            run.release();
        }
    }
}
