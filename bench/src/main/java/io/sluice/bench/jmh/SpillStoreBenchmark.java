package io.sluice.bench.jmh;

import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.spill.FrameHandler;
import io.sluice.spill.SpillConfig;
import io.sluice.spill.SpillStore;
import org.agrona.DirectBuffer;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The disk tier's store (Chronicle Queue): append 1024 frames of 96 bytes (64-byte payloads), then read them back.
 * {@code appendThenRead} appends them one record per frame; {@code appendThenReadBatched} as the relay's spill thread
 * does, 512 frames (48 KiB) per record; {@code appendReadAndReleaseBatched} the same through a store with acknowledged
 * reads, releasing each record once read, as a journaled disk tier does once its subscriber has acknowledged it. Files
 * go to a temporary folder (the working directory's file system); the store has the relay's drain-roll idle time
 * (1 s). Reported per message.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dio.netty.leakDetection.level=disabled"})
public class SpillStoreBenchmark
{
    static final int FRAME = FrameDescriptor.HEADER_LENGTH + 64;
    static final int BATCH = 1024;
    static final int FRAMES_PER_RECORD = 512;

    private Path directory;
    private SpillStore store;
    private final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(FRAME));
    private final UnsafeBuffer frames = new UnsafeBuffer(ByteBuffer.allocateDirect(FRAME * FRAMES_PER_RECORD));
    private long bytesRead;
    private final FrameHandler reader = this::onFrame;

    /** A store with acknowledged reads, for {@link #appendReadAndReleaseBatched}. */
    @State(Scope.Thread)
    public static class Acknowledged
    {
        private Path directory;
        private SpillStore store;
        private long tag;

        @Setup(Level.Trial)
        public void setUp() throws IOException
        {
            directory = Files.createTempDirectory(Path.of("."), "jmh-spill-acked-");
            store = open(directory, true);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException
        {
            store.close();
            delete(directory);
        }
    }

    // As the relay opens its stores: each invocation drains the store, and a drain roll (a new file, the old one
    // deleted: tens of milliseconds) at every other invocation would be most of what this measures.
    private static SpillStore open(final Path directory, final boolean acknowledgedReads)
    {
        return SpillStore.open(SpillConfig.of(directory, 64L << 30).withDrainRollIdleMillis(1000)
            .withAcknowledgedReads(acknowledgedReads));
    }

    private static void delete(final Path directory) throws IOException
    {
        try (Stream<Path> paths = Files.walk(directory))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException
    {
        directory = Files.createTempDirectory(Path.of("."), "jmh-spill-");
        store = open(directory, false);
        frame.putInt(0, FRAME, ByteOrder.BIG_ENDIAN);
        for (int i = 0; i < FRAMES_PER_RECORD; i++)
        {
            frames.putInt(i * FRAME, FRAME, ByteOrder.BIG_ENDIAN);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException
    {
        store.close();
        delete(directory);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long appendThenRead()
    {
        for (int i = 0; i < BATCH; i++)
        {
            if (store.append(frame, 0, FRAME) != SpillStore.OK)
            {
                throw new IllegalStateException("append refused");
            }
        }
        int read = 0;
        while (read < BATCH)
        {
            read += store.read(reader, BATCH - read);
        }
        return bytesRead;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long appendThenReadBatched()
    {
        final int records = BATCH / FRAMES_PER_RECORD;
        for (int i = 0; i < records; i++)
        {
            if (store.append(frames, 0, frames.capacity()) != SpillStore.OK)
            {
                throw new IllegalStateException("append refused");
            }
        }
        int read = 0;
        while (read < records)
        {
            read += store.read(reader, records - read);
        }
        return bytesRead;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long appendReadAndReleaseBatched(final Acknowledged acknowledged)
    {
        final SpillStore acked = acknowledged.store;
        final int records = BATCH / FRAMES_PER_RECORD;
        for (int i = 0; i < records; i++)
        {
            if (acked.append(frames, 0, frames.capacity()) != SpillStore.OK)
            {
                throw new IllegalStateException("append refused");
            }
        }
        int read = 0;
        while (read < records)
        {
            final int now = acked.read(reader, records - read);
            acknowledged.tag += (long)now * FRAMES_PER_RECORD;
            acked.release(now, acknowledged.tag);
            read += now;
        }
        return bytesRead;
    }

    private void onFrame(final DirectBuffer buffer, final int offset, final int length)
    {
        bytesRead += length;
    }
}
