package io.sluice.server.drop;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.util.EpochClock;
import io.sluice.server.drop.stage.DropStage;
import io.sluice.server.tier.memory.GapTable;
import io.sluice.server.tier.memory.MemoryTier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * A lane's drop policy under 10x overload: each invocation offers a run of 64-byte messages into a full 64 KiB memory
 * tier and drains a tenth of that to a ByteBuf, as the lane's event loop does, so nine in ten messages are dropped
 * (or conflated, or expire) and announced in GAP frames. Reported per message offered; run with {@code -prof gc} to
 * see that dropping allocates nothing. Lives in the server's package to reach the package-private lane parts.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dio.netty.leakDetection.level=disabled"})
public class DropPolicyBenchmark
{
    static final int FRAME = FrameDescriptor.HEADER_LENGTH + 64;
    static final int BATCH = 500;
    static final int KEYS = 256;

    @Param({"drop-newest", "drop-oldest", "latest-by-key", "sample", "deadline"})
    public String policy;

    private MemoryTier tier;
    private DropStage stage;
    private ByteBuf run;
    private ByteBuf out;
    private long sequence;

    @Setup(Level.Trial)
    public void setUp()
    {
        DropPolicySpec spec = DropPolicySpec.of(policy);
        if ("deadline".equals(policy))
        {
            spec = spec.withDeadlineNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        tier = new MemoryTier(64 * 1024);
        stage = new DropStage(spec.newPolicy(), tier, "bench", null);
        run = PooledByteBufAllocator.DEFAULT.directBuffer(BATCH * FRAME);
        out = PooledByteBufAllocator.DEFAULT.directBuffer(BATCH / 10 * FRAME + 64 * GapTable.GAP_FRAME_LENGTH);
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        run.release();
        out.release();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int offerTenTimesWhatDrains()
    {
        run.clear();
        final boolean keyed = "latest-by-key".equals(policy);
        final long now = EpochClock.nanos();
        for (int i = 0; i < BATCH; i++)
        {
            Frames.writeHeader(run, FRAME, FrameType.DATA, keyed ? FrameDescriptor.FLAG_KEYED : 0, 1, 1, sequence, now);
            run.writeLong(sequence % KEYS);
            run.writeZero(FRAME - FrameDescriptor.HEADER_LENGTH - 8);
            sequence++;
        }
        int reached = 0;
        final int end = run.writerIndex();
        while (reached < end)
        {
            reached = stage.admitToMemory(run, reached, end);
            if (reached < end)
            {
                reached = stage.onNoRoom(run, reached, true);
            }
        }
        out.clear();
        stage.beginDrain();
        return tier.drainTo(out, stage);
    }
}
