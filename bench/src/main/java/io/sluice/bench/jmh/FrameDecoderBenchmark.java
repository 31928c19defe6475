package io.sluice.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
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
 * one run out), and encoding the same frames' headers. Reported per message.
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
    private ByteBuf read;
    private ByteBuf encoded;

    @Setup(Level.Trial)
    public void setUp()
    {
        channel = new EmbeddedChannel(new FrameDecoder(FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH));
        read = PooledByteBufAllocator.DEFAULT.directBuffer(FRAMES * FRAME);
        for (int i = 0; i < FRAMES; i++)
        {
            Frames.writeHeader(read, FRAME, FrameType.DATA, 0, 1, 1, i, i);
            read.writeZero(PAYLOAD);
        }
        encoded = PooledByteBufAllocator.DEFAULT.directBuffer(FRAMES * FRAME);
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        read.release();
        encoded.release();
        channel.finishAndReleaseAll();
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public int decodeRun()
    {
        channel.writeInbound(read.retainedDuplicate());
        final ByteBuf run = channel.readInbound();
        final int bytes = run.readableBytes();
        run.release();
        return bytes;
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
}
