package io.sluice.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.server.lane.AckWindow;
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
 * What acknowledged delivery adds to the relay's send path: a 64 KiB run of 64-byte frames written through an
 * acknowledging subscriber's {@link AckWindow} (each frame's header read for its position, the run kept), taken by the
 * "socket", then acknowledged whole and released. Reported per message; {@link #writeAndTakeWithoutWindow} is the same
 * write and take without the window, for what the embedded channel costs by itself.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dio.netty.leakDetection.level=disabled"})
public class AckWindowBenchmark
{
    static final int FRAMES = FrameDecoderBenchmark.FRAMES;

    private EmbeddedChannel channel;
    private EmbeddedChannel bare;
    private AckWindow window;
    private ByteBuf run;

    @Setup(Level.Trial)
    public void setUp()
    {
        window = new AckWindow(Integer.MAX_VALUE, Integer.MAX_VALUE, 0, 0);
        channel = new EmbeddedChannel(window);
        bare = new EmbeddedChannel();
        run = FrameDecoderBenchmark.newRead();
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        if (run.refCnt() != 1 || window.sent() == 0 || window.unackedMessages() != 0)
        {
            throw new IllegalStateException("sent " + window.sent() + ", unacked " + window.unackedMessages() +
                ", run refCnt " + run.refCnt());
        }
        run.release();
        channel.finishAndReleaseAll();
        bare.finishAndReleaseAll();
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public long writeTakeAndAcknowledge()
    {
        run.readerIndex(0);
        channel.write(run.retain(), channel.voidPromise());
        channel.flush();
        final ByteBuf taken = channel.readOutbound();
        taken.release();
        window.acknowledge(window.sent());
        return window.acked();
    }

    /**
     * The same with each run acknowledged in two halves, as a subscriber acknowledging every half window does when
     * its ACK falls inside a run: the window then walks the acknowledged frames of the run it keeps.
     */
    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public long writeTakeAndAcknowledgeInHalves()
    {
        run.readerIndex(0);
        channel.write(run.retain(), channel.voidPromise());
        channel.flush();
        final ByteBuf taken = channel.readOutbound();
        taken.release();
        window.acknowledge(window.sent() - FRAMES / 2);
        window.acknowledge(window.sent());
        return window.acked();
    }

    /** The same write and take without the window: what the embedded channel costs by itself. */
    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public int writeAndTakeWithoutWindow()
    {
        run.readerIndex(0);
        bare.write(run.retain(), bare.voidPromise());
        bare.flush();
        final ByteBuf taken = bare.readOutbound();
        final int bytes = taken.readableBytes();
        taken.release();
        return bytes;
    }
}
