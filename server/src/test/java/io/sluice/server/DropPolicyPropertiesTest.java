package io.sluice.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.util.EpochClock;
import io.sluice.server.drop.DropPolicy;
import io.sluice.server.drop.DropPolicySpec;
import io.sluice.server.drop.stage.DropStage;
import io.sluice.server.lane.Lane;
import io.sluice.server.tier.memory.MemoryTier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Property-based: random sequences of offers and polls against a lane's memory tier under each drop policy. After
 * every step the tier stays within its bytes and {@code accepted = delivered + dropped + waiting}; what is delivered
 * keeps each source's order (and each key's, under conflation), every skipped sequence was announced by a GAP frame
 * first, no GAP announces what lies behind a delivered message, and a GAP's header sequence is its from-sequence;
 * once drained, the GAP frames account for every drop, by the policy's reason.
 */
class DropPolicyPropertiesTest
{
    private static final int MEMORY = 64 * 1024;
    private static final int KEYS = 8;
    private static final int KEYED_PAYLOAD = 48;

    /** One step: offer {@code count} frames from {@code source}, or poll up to {@code chunk} bytes. */
    record Step(boolean offer, int source, int count, int payload, boolean stale, int chunk)
    {
    }

    @Provide
    Arbitrary<List<Step>> steps()
    {
        final Arbitrary<Step> offer = Combinators.combine(
            Arbitraries.integers().between(1, 3),
            Arbitraries.integers().between(1, 60),
            Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(20, Arbitraries.integers().between(16, 300)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(9_000, 20_000))),
            Arbitraries.of(true, false))
            .as((source, count, payload, stale) -> new Step(true, source, count, payload, stale, 0));
        final Arbitrary<Step> poll = Arbitraries.integers().between(20_000, 70_000)
            .map(chunk -> new Step(false, 0, 0, 0, false, chunk));
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, offer), net.jqwik.api.Tuple.of(1, poll))
            .list().ofMinSize(1).ofMaxSize(80);
    }

    @Property(tries = 100)
    void dropNewest(@ForAll("steps") final List<Step> steps)
    {
        new Model(DropPolicySpec.of("drop-newest"), false, false).run(steps);
    }

    @Property(tries = 100)
    void dropOldest(@ForAll("steps") final List<Step> steps)
    {
        new Model(DropPolicySpec.of("drop-oldest"), false, false).run(steps);
    }

    @Property(tries = 100)
    void sample(@ForAll("steps") final List<Step> steps)
    {
        new Model(DropPolicySpec.of("sample").withSampleEvery(4), false, false).run(steps);
    }

    @Property(tries = 100)
    void deadline(@ForAll("steps") final List<Step> steps)
    {
        new Model(DropPolicySpec.of("deadline").withDeadlineNanos(TimeUnit.SECONDS.toNanos(1)), false, false)
            .run(steps);
    }

    @Property(tries = 100)
    void latestByKey(@ForAll("steps") final List<Step> steps)
    {
        new Model(DropPolicySpec.of("latest-by-key"), true, false).run(steps);
    }

    /** Keyed frames of every size, fragmented ones (never conflated) included: the tier fills with what waits. */
    @Property(tries = 100)
    void latestByKeyWithFramesOfEverySize(@ForAll("steps") final List<Step> steps)
    {
        new Model(DropPolicySpec.of("latest-by-key"), true, true).run(steps);
    }

    /** A lane's memory path, as {@link Lane} drives it, with the subscriber's checks on what comes out. */
    private static final class Model
    {
        private final MemoryTier memory = new MemoryTier(MEMORY);
        private final DropPolicy policy;
        private final DropStage stage;
        private final boolean keyed;
        private final boolean keyedOfEverySize;
        private final long[] nextSequence = new long[4];
        private final long[] lastDelivered = {-1, -1, -1, -1};
        private final long[] announcedTo = {-1, -1, -1, -1};
        private final Map<Long, Long> lastSentByKey = new HashMap<>();
        private final Map<Long, Long> lastDeliveredByKey = new HashMap<>();
        private final ByteBuf stream = PooledByteBufAllocator.DEFAULT.directBuffer();
        private long arrivals;
        private long accepted;
        private long delivered;
        private long gapMessages;

        Model(final DropPolicySpec spec, final boolean keyed, final boolean keyedOfEverySize)
        {
            this.policy = spec.newPolicy();
            this.stage = new DropStage(policy, memory, "properties", null);
            this.keyed = keyed;
            this.keyedOfEverySize = keyedOfEverySize;
        }

        void run(final List<Step> steps)
        {
            try
            {
                check(steps);
            }
            finally
            {
                stream.release();
            }
        }

        private void check(final List<Step> steps)
        {
            for (final Step step : steps)
            {
                if (step.offer())
                {
                    offer(step);
                }
                else
                {
                    poll(step.chunk());
                }
                assertTrue(memory.usedBytes() <= memory.capacity(), "over capacity: " + memory.usedBytes());
                // The relay's books: a frame counts as delivered once its first fragment is out.
                assertEquals(
                    accepted, memory.delivered() + stage.dropped() + memory.frames(), "accounting after " + step);
            }
            while (!memory.isEmpty())
            {
                poll(MEMORY);
            }
            poll(MEMORY); // the tier is empty: the last GAP frames come out
            assertEquals(memory.delivered(), delivered, "the subscriber got what the relay counted as delivered");
            assertEquals(stage.dropped(), gapMessages, "every drop announced");
            assertEquals(accepted, delivered + gapMessages, "every message delivered or announced");
            if (keyed && !keyedOfEverySize)
            {
                assertEquals(lastSentByKey, lastDeliveredByKey, "the newest message of every key arrives");
            }
        }

        private void offer(final Step step)
        {
            final int source = step.source();
            final int payload = keyed && !keyedOfEverySize ? KEYED_PAYLOAD : step.payload();
            final long timestamp = EpochClock.nanos() + (step.stale() ? -TimeUnit.SECONDS.toNanos(10)
                : TimeUnit.HOURS.toNanos(1));
            final ByteBuf run = PooledByteBufAllocator.DEFAULT.directBuffer();
            try
            {
                for (int i = 0; i < step.count(); i++)
                {
                    final long sequence = nextSequence[source]++;
                    final long key = (source * 31L + sequence) % KEYS;
                    Frames.writeHeader(run, FrameDescriptor.HEADER_LENGTH + payload, FrameType.DATA,
                        keyed ? FrameDescriptor.FLAG_KEYED : 0, 7, source, sequence, timestamp);
                    run.writeLong(keyed ? key : sequence);
                    run.writeLong(arrivals);
                    run.writeZero(payload - 16);
                    if (keyed)
                    {
                        lastSentByKey.put(key, arrivals);
                    }
                    arrivals++;
                }
                accepted += step.count();
                int reached = run.readerIndex();
                final int end = run.writerIndex();
                while (reached < end)
                {
                    reached = stage.admitToMemory(run, reached, end);
                    if (reached < end)
                    {
                        final int next = stage.onNoRoom(run, reached, true);
                        assertTrue(next != DropStage.HOLD, "built-in policies never throttle");
                        reached = next;
                    }
                }
            }
            finally
            {
                run.release();
            }
        }

        private void poll(final int chunkBytes)
        {
            stage.beginDrain();
            final ByteBuf chunk = PooledByteBufAllocator.DEFAULT.directBuffer(chunkBytes);
            try
            {
                memory.drainTo(chunk, stage);
                stream.writeBytes(chunk);
            }
            finally
            {
                chunk.release();
            }
            read();
            if (memory.isEmpty())
            {
                final ByteBuf gaps = stage.takeAllGaps(PooledByteBufAllocator.DEFAULT);
                if (gaps != null)
                {
                    try
                    {
                        stream.writeBytes(gaps);
                    }
                    finally
                    {
                        gaps.release();
                    }
                    read();
                }
            }
        }

        // The subscriber's side: whole frames from the byte stream (a fragmented frame may span two chunks).
        private void read()
        {
            final ByteBuf frames = stream;
            int index = frames.readerIndex();
            for (; frames.writerIndex() - index >= FrameDescriptor.HEADER_LENGTH
                && frames.writerIndex() - index >= Frames.frameLength(frames, index);
                index += Frames.frameLength(frames, index))
            {
                final int source = Frames.sourceId(frames, index);
                if (Frames.type(frames, index) == FrameType.GAP)
                {
                    assertEquals(policy.reason(), Frames.gapReason(frames, index));
                    final long from = Frames.gapFromSequence(frames, index);
                    assertEquals(from, Frames.sequence(frames, index), "a GAP's header sequence is its from-sequence");
                    assertTrue(from > lastDelivered[source], "GAP from " + from + " of source " + source +
                        " after DATA " + lastDelivered[source]);
                    gapMessages += Frames.gapDroppedCount(frames, index);
                    announcedTo[source] = Math.max(announcedTo[source], Frames.gapToSequence(frames, index));
                    continue;
                }
                assertEquals(FrameType.DATA, Frames.type(frames, index));
                delivered++;
                final long sequence = Frames.sequence(frames, index);
                assertTrue(sequence > lastDelivered[source], "source " + source + " went back to " + sequence +
                    " after " + lastDelivered[source]);
                assertTrue(sequence > announcedTo[source], "source " + source + " delivered " + sequence +
                    " after a GAP announced it (up to " + announcedTo[source] + ")");
                assertTrue(sequence == lastDelivered[source] + 1 || sequence - 1 <= announcedTo[source],
                    "source " + source + " skipped to " + sequence + " unannounced (announced to "
                        + announcedTo[source] + ")");
                lastDelivered[source] = sequence;
                if (keyed)
                {
                    final long key = frames.getLong(index + FrameDescriptor.HEADER_LENGTH);
                    final long arrival = frames.getLong(index + FrameDescriptor.HEADER_LENGTH + 8);
                    final Long previous = lastDeliveredByKey.put(key, arrival);
                    assertTrue(previous == null || previous < arrival, "key " + key + " went back");
                    continue;
                }
                assertEquals(sequence, frames.getLong(index + FrameDescriptor.HEADER_LENGTH), "payload of " + sequence);
            }
            frames.readerIndex(index);
            frames.discardReadBytes();
        }
    }
}
