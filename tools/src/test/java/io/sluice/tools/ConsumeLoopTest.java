package io.sluice.tools;

import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Header;
import io.sluice.core.util.EpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static io.sluice.core.protocol.FrameDescriptor.LENGTH_OFFSET;
import static io.sluice.core.protocol.FrameDescriptor.SEQUENCE_OFFSET;
import static io.sluice.core.protocol.FrameDescriptor.SOURCE_ID_OFFSET;
import static io.sluice.core.protocol.FrameDescriptor.TIMESTAMP_OFFSET;
import static io.sluice.core.protocol.FrameDescriptor.TYPE_OFFSET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The consume loop against an intake that hands the checker hand-made messages and records what the loop asked of
 * it: takes bounded by the count, an acknowledgement after each take, the end of a drained connection, and a paced
 * loop that keeps its intake alive while the next message is not due.
 */
class ConsumeLoopTest
{
    private final Checker checker = new Checker();
    private final StringWriter progress = new StringWriter();

    /** Delivers up to each take's limit of the messages it has, in order from one source. */
    private final class ScriptedIntake implements Intake
    {
        private final UnsafeBuffer frame = new UnsafeBuffer(new byte[HEADER_LENGTH + 8]);
        private final Header header = new Header().wrap(frame, 0);
        private final List<Integer> limits = new ArrayList<>();
        private long available;
        private long sequence;
        private boolean drained;
        private int acknowledgements;
        private int keepAlives;

        ScriptedIntake(final long available)
        {
            this.available = available;
        }

        @Override
        public int take(final int limit)
        {
            limits.add(limit);
            final int taken = (int)Math.min(limit, available);
            for (int i = 0; i < taken; i++)
            {
                frame.putInt(LENGTH_OFFSET, HEADER_LENGTH + 8, ByteOrder.BIG_ENDIAN);
                frame.putByte(TYPE_OFFSET, (byte)FrameType.DATA);
                frame.putInt(SOURCE_ID_OFFSET, 1, ByteOrder.BIG_ENDIAN);
                frame.putLong(SEQUENCE_OFFSET, sequence++, ByteOrder.BIG_ENDIAN);
                frame.putLong(TIMESTAMP_OFFSET, EpochClock.nanos(), ByteOrder.BIG_ENDIAN);
                checker.onMessage(frame, HEADER_LENGTH, 8, header);
            }
            available -= taken;
            if (taken > 0)
            {
                checker.onBatchEnd();
            }
            return taken;
        }

        @Override
        public void keepAlive()
        {
            keepAlives++;
        }

        @Override
        public boolean isDrained()
        {
            return drained;
        }

        @Override
        public boolean isConnected()
        {
            return !drained;
        }

        @Override
        public String closeReason()
        {
            return null;
        }

        @Override
        public void acknowledgeCounted()
        {
            acknowledgements++;
        }

        @Override
        public void close()
        {
        }
    }

    private ConsumeLoop loop(final Intake intake)
    {
        return new ConsumeLoop(intake, checker, new PrintWriter(progress, true));
    }

    @Test
    void takesAreBoundedByTheCountAndEachIsFollowedByAnAcknowledgement()
    {
        final ScriptedIntake intake = new ScriptedIntake(1_000);

        loop(intake).run(600, Long.MAX_VALUE, Long.MAX_VALUE, null, true, () -> true);

        assertEquals(List.of(256, 256, 88), intake.limits);
        assertEquals(3, intake.acknowledgements);
        assertEquals(600, checker.seen());
        assertEquals(0, checker.outOfOrder);
        assertEquals(0, intake.keepAlives, "an unpaced loop keeps its intake alive by taking");
    }

    @Test
    void aDrainedIntakeEndsTheRun()
    {
        final ScriptedIntake intake = new ScriptedIntake(3);
        intake.drained = true;

        loop(intake).run(Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, null, true, () -> true);

        assertEquals(List.of(256, 256), intake.limits, "what was left is taken, then the empty take ends it");
        assertEquals(3, checker.seen());
    }

    @Test
    void aPacedLoopKeepsItsIntakeAliveWhileTheNextMessageIsNotDue()
    {
        final ScriptedIntake intake = new ScriptedIntake(10);

        // One message per 1000 s: the first is due at once, the second not before the run is stopped.
        loop(intake).run(10, Long.MAX_VALUE, Long.MAX_VALUE, 0.001, true, () -> intake.keepAlives < 3);

        assertEquals(List.of(1), intake.limits);
        assertEquals(1, checker.seen());
        assertEquals(3, intake.keepAlives);
        assertTrue(progress.toString().isEmpty(), progress.toString());
    }

    @Test
    void aPacedLoopEndsWhenTheConnectionEndsWhileTheNextMessageIsNotDue()
    {
        final ScriptedIntake intake = new ScriptedIntake(1);

        // One message per 1000 s: after the first, the connection ends during the wait for the second. The run must
        // end with it, not when the second would have been due; stopping it after 1,000 keep-alives fails the test.
        loop(intake).run(10, Long.MAX_VALUE, Long.MAX_VALUE, 0.001, true, () ->
        {
            if (intake.keepAlives == 2)
            {
                intake.drained = true;
            }
            return intake.keepAlives < 1_000;
        });

        assertEquals(1, checker.seen());
        assertTrue(intake.keepAlives < 1_000, "the loop waited for a message of a connection that had ended");
    }
}
