package io.sluice.server.tier.memory;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
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
 * A lane's memory tier: a run of 64-byte messages offered in and drained out to a ByteBuf, as the lane's event loop
 * does under the buffer and spill strategies. Lives in the server's package to reach the package-private tier.
 * Reported per message.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dio.netty.leakDetection.level=disabled"})
public class MemoryTierBenchmark
{
    static final int FRAME = FrameDescriptor.HEADER_LENGTH + 64;
    static final int BATCH = 512;

    private MemoryTier tier;
    private ByteBuf run;
    private ByteBuf out;

    @Setup(Level.Trial)
    public void setUp()
    {
        tier = new MemoryTier(8L * 1024 * 1024);
        run = PooledByteBufAllocator.DEFAULT.directBuffer(BATCH * FRAME);
        for (int i = 0; i < BATCH; i++)
        {
            Frames.writeHeader(run, FRAME, FrameType.DATA, 0, 1, 1, i, i);
            run.writeZero(FRAME - FrameDescriptor.HEADER_LENGTH);
        }
        out = PooledByteBufAllocator.DEFAULT.directBuffer(BATCH * (FRAME + 8));
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        run.release();
        out.release();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int offerThenDrain()
    {
        tier.offerFrames(run, 0, run.writerIndex());
        out.clear();
        return tier.drainTo(out);
    }
}
