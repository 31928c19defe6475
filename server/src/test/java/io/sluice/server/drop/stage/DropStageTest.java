package io.sluice.server.drop.stage;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.util.EpochClock;
import io.sluice.server.drop.DropPolicySpec;
import io.sluice.server.lane.Lane;
import io.sluice.server.tier.memory.MemoryTier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A lane's memory tier and drop stage driven directly, as {@link Lane} drives them, with a stalled subscriber: exact
 * interleavings that a socket test reaches only by chance.
 */
class DropStageTest
{
    private static final int SOURCE = 1;
    private static final int PAYLOAD = 48;

    private final ByteBuf stream = PooledByteBufAllocator.DEFAULT.directBuffer();
    private MemoryTier memory;
    private DropStage stage;

    @AfterEach
    void release()
    {
        stream.release();
    }

    private void latestByKey(final int memoryBytes)
    {
        memory = new MemoryTier(memoryBytes);
        stage = new DropStage(DropPolicySpec.of("latest-by-key").newPolicy(), memory, "test", null);
    }

    /** Offers one keyed message of {@code source}; the payload is its key, then its sequence. */
    private void offer(final int source, final long sequence, final long key)
    {
        final ByteBuf run = PooledByteBufAllocator.DEFAULT.directBuffer();
        try
        {
            Frames.writeHeader(run, FrameDescriptor.HEADER_LENGTH + PAYLOAD, FrameType.DATA, FrameDescriptor.FLAG_KEYED,
                7, source, sequence, EpochClock.nanos());
            run.writeLong(key);
            run.writeLong(sequence);
            run.writeZero(PAYLOAD - 16);
            int reached = 0;
            while (reached < run.writerIndex())
            {
                reached = stage.admitToMemory(run, reached, run.writerIndex());
                if (reached < run.writerIndex())
                {
                    reached = stage.onNoRoom(run, reached, true);
                }
            }
        }
        finally
        {
            run.release();
        }
    }

    /** Drains everything, as the lane does, into the subscriber's byte stream; returns the frames as text. */
    private List<String> drainAll()
    {
        stage.beginDrain();
        while (!memory.isEmpty())
        {
            final ByteBuf chunk = PooledByteBufAllocator.DEFAULT.directBuffer(MemoryTier.DRAIN_TARGET_BYTES);
            memory.drainTo(chunk, stage);
            stream.writeBytes(chunk);
            chunk.release();
        }
        final ByteBuf gaps = stage.takeAllGaps(PooledByteBufAllocator.DEFAULT);
        if (gaps != null)
        {
            stream.writeBytes(gaps);
            gaps.release();
        }
        final List<String> frames = new ArrayList<>();
        while (stream.isReadable())
        {
            final int at = stream.readerIndex();
            if (Frames.type(stream, at) == FrameType.GAP)
            {
                assertEquals(Frames.gapFromSequence(stream, at), Frames.sequence(stream, at), "GAP header sequence");
                frames.add("GAP " + Frames.sourceId(stream, at) + ":" + Frames.gapFromSequence(stream, at) + ".." +
                    Frames.gapToSequence(stream, at) + "/" + Frames.gapDroppedCount(stream, at));
            }
            else
            {
                frames.add("D " + Frames.sourceId(stream, at) + ":" + Frames.sequence(stream, at));
            }
            stream.skipBytes(Frames.frameLength(stream, at));
        }
        stream.clear();
        return frames;
    }

    @Test
    void aReplacingMessageDoesNotOvertakeOlderMessagesOfItsSource()
    {
        latestByKey(64 * 1024);
        offer(SOURCE, 0, 'A');
        offer(SOURCE, 1, 'B');
        offer(SOURCE, 2, 'A'); // replaces 0, which waits in front of 1

        assertEquals(List.of("GAP 1:0..0/1", "D 1:1", "D 1:2"), drainAll());
        assertEquals(1, stage.dropped());
    }

    @Test
    void theGapOfAReplacedMessageComesBeforeTheNextMessageOfItsSource()
    {
        latestByKey(64 * 1024);
        offer(SOURCE, 0, 'A');
        offer(2, 0, 'X');
        offer(SOURCE, 1, 'B');
        offer(SOURCE, 2, 'A');
        offer(2, 1, 'X');
        offer(SOURCE, 3, 'A');

        assertEquals(List.of("GAP 1:0..0/1", "GAP 2:0..0/1", "D 1:1", "GAP 1:2..2/1", "D 2:1", "D 1:3"), drainAll());
    }

    @Test
    void aHotKeyUnderAStalledSubscriberKeepsMemoryBoundedAndItsNewestMessage()
    {
        // One key, 100,000 messages, nothing read: every replaced message leaves a notice; they must not fill the tier
        // (and push out the newest message) however many there are.
        latestByKey(16 * 1024);
        final int messages = 100_000;
        offer(SOURCE, 0, 'C'); // a cold key that stays in front of everything
        for (int sequence = 1; sequence < messages; sequence++)
        {
            offer(SOURCE, sequence, 'H');
            assertTrue(memory.usedBytes() <= memory.capacity());
            assertEquals(sequence + 1, stage.dropped() + memory.frames(), "books at " + sequence);
        }

        final List<String> frames = drainAll();
        assertEquals("D 1:0", frames.get(0), frames.toString());
        assertEquals("D 1:" + (messages - 1), frames.get(frames.size() - 1), "the newest message arrives: " + frames);
        long announced = 0;
        for (final String frame : frames)
        {
            if (frame.startsWith("GAP"))
            {
                announced += Long.parseLong(frame.substring(frame.indexOf('/') + 1));
            }
        }
        assertEquals(messages - 2, announced, frames.toString());
        assertEquals(messages - 2, stage.dropped());
        assertTrue(frames.size() < 64, "notices merge: " + frames.size() + " frames");
    }

    @Test
    void theNewestMessageOfEveryKeyArrivesWhileOneOfEachFits()
    {
        // Keys updated at different rates, some cold, with a stalled subscriber: 64 keys of 88-byte records fit in
        // 16 KiB many times over, so conflation must never drop a key's newest message for want of room.
        latestByKey(16 * 1024);
        final java.util.Random random = new java.util.Random(12);
        final Map<Long, Long> newest = new HashMap<>();
        for (long sequence = 0; sequence < 50_000; sequence++)
        {
            final long key = random.nextInt(8) == 0 ? random.nextInt(64) : random.nextInt(4);
            offer(SOURCE, sequence, key);
            newest.put(key, sequence);
        }
        final java.util.Set<Long> delivered = new java.util.HashSet<>();
        for (final String frame : drainAll())
        {
            if (frame.startsWith("D "))
            {
                delivered.add(Long.parseLong(frame.substring(frame.indexOf(':') + 1)));
            }
        }
        assertEquals(new java.util.HashSet<>(newest.values()), delivered);
        assertEquals(50_000, stage.dropped() + delivered.size());
    }
}
