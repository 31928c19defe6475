package io.sluice.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.ring.FrameRing;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
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
 * The client's hand-off ring (Agrona): copy 64-byte-payload frames in from a ByteBuf and out into a ByteBuf, the
 * way a publication's offer and its event loop's drain do. Reported per message.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dio.netty.leakDetection.level=disabled"})
public class FrameRingBenchmark
{
    static final int FRAME = FrameDescriptor.HEADER_LENGTH + 64;
    static final int BATCH = 256;

    private FrameRing ring;
    private ByteBuf frames;
    private ByteBuf out;
    private final MessageHandler copyOut = this::copyOut;

    @Setup(Level.Trial)
    public void setUp()
    {
        ring = FrameRing.forFrames(64 * 1024 + FrameDescriptor.HEADER_LENGTH, 256 * 1024, true);
        frames = PooledByteBufAllocator.DEFAULT.directBuffer(BATCH * FRAME);
        for (int i = 0; i < BATCH; i++)
        {
            Frames.writeHeader(frames, FRAME, FrameType.DATA, 0, 1, 1, i, i);
            frames.writeZero(FRAME - FrameDescriptor.HEADER_LENGTH);
        }
        out = PooledByteBufAllocator.DEFAULT.directBuffer(BATCH * FRAME);
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        frames.release();
        out.release();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int offerThenPoll()
    {
        ring.offerFrames(frames, 0, frames.writerIndex());
        out.clear();
        return ring.ring().read(copyOut, BATCH);
    }

    private void copyOut(final int msgType, final MutableDirectBuffer buffer, final int index, final int length)
    {
        ring.copyOut(index, length, out);
    }
}
