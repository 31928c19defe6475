package io.sluice.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.client.FrameDispatcher;
import io.sluice.client.MessageHandler;
import io.sluice.core.protocol.FrameDecoder;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.Header;
import org.agrona.DirectBuffer;
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
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * A callback subscription's receive path: a 64 KiB socket read of 64-byte messages through the client's
 * {@link FrameDecoder}, the run handed to a {@link MessageHandler} frame by frame where it lies
 * ({@link FrameDispatcher}), then released; the handler reads each message's sequence and first payload word. Compare
 * with {@link FrameRingBenchmark}, the polled subscription's copy into its ring and out. Reported per message.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dio.netty.leakDetection.level=disabled"})
public class CallbackDecodeBenchmark
{
    static final int FRAMES = FrameDecoderBenchmark.FRAMES;

    private EmbeddedChannel channel;
    private ChannelPipeline pipeline;
    private ByteBuf read;
    private Dispatching dispatching;

    @Setup(Level.Trial)
    public void setUp(final Blackhole blackhole)
    {
        dispatching = new Dispatching(blackhole);
        channel = new EmbeddedChannel(new FrameDecoder(FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH), dispatching);
        pipeline = channel.pipeline();
        read = FrameDecoderBenchmark.newRead();
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        if (read.refCnt() != 1 || dispatching.messages == 0)
        {
            throw new IllegalStateException("messages " + dispatching.messages + ", read refCnt " + read.refCnt());
        }
        read.release();
        channel.finishAndReleaseAll();
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public long decodeAndDispatch()
    {
        // The same memory as a new read each time, as FrameDecoderBenchmark does.
        read.readerIndex(0);
        pipeline.fireChannelRead(read.retain());
        pipeline.fireChannelReadComplete();
        return dispatching.messages;
    }

    /** What a callback subscription does with each run: dispatch it in place to the handler, release it. */
    static final class Dispatching extends ChannelInboundHandlerAdapter implements MessageHandler
    {
        private final FrameDispatcher dispatcher = new FrameDispatcher();
        private final Blackhole blackhole;
        long messages;

        Dispatching(final Blackhole blackhole)
        {
            this.blackhole = blackhole;
        }

        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object msg)
        {
            final ByteBuf run = (ByteBuf)msg;
            try
            {
                messages += dispatcher.dispatchRun(run, this);
            }
            finally
            {
                run.release();
            }
        }

        @Override
        public void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
        {
            blackhole.consume(header.sequence() + buffer.getLong(offset));
        }
    }
}
