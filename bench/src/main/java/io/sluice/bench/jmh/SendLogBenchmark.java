package io.sluice.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.sluice.client.SendLog;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import org.agrona.concurrent.UnsafeBuffer;
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
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import static io.sluice.core.protocol.FrameDescriptor.*;

/**
 * The exclusive publication's path into the socket's memory: claim a 64-byte-payload frame in the
 * {@link SendLog}, write its header and copy the payload in (the one copy), commit; then, as the event loop does, take
 * the committed bytes as windows and release them as the socket would once it took them. Compare with
 * {@link FrameRingBenchmark}, the shared publication's ring, which copies each frame twice. Reported per message.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dio.netty.leakDetection.level=disabled"})
public class SendLogBenchmark
{
    static final int PAYLOAD = 64;
    static final int FRAME = HEADER_LENGTH + PAYLOAD;
    static final int BATCH = 256;

    private SendLog log;
    private UnsafeBuffer memory;
    private final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
    private long sequence;

    @Setup(Level.Trial)
    public void setUp()
    {
        log = new SendLog(SendLog.capacityFor(HEADER_LENGTH + 64 * 1024), SendLog.DEFAULT_WINDOWS, null);
        memory = log.buffer();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long claimCommitAndSend()
    {
        final SendLog log = this.log;
        final UnsafeBuffer memory = this.memory;
        for (int i = 0; i < BATCH; i++)
        {
            if (log.tryClaim(FRAME) < 0)
            {
                throw new IllegalStateException("the log is full: windows were not released");
            }
            final int index = log.claimIndex();
            final long frameSequence = sequence++;
            Frames.putHeader(memory, index, FRAME, FrameType.DATA, 0, 1, 1, frameSequence, sequence);
            memory.putBytes(index + HEADER_LENGTH, payload, 0, PAYLOAD);
            log.commit();
        }
        long sent = 0;
        ByteBuf window;
        while ((window = log.nextWindow()) != null)
        {
            sent += window.readableBytes();
            window.release();
        }
        return sent;
    }
}
