package io.sluice.server.producer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import org.junit.jupiter.api.Test;

import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link ResendFilter}: frames below the WELCOME's sequence are skipped until the first one at or above it; after that
 * nothing is, so a later low sequence is left to the check (BAD_SEQUENCE).
 */
class ResendFilterTest
{
    private static final int STREAM_ID = 3;
    private static final int SOURCE_ID = 5;

    @Test
    void leadingResendsAreSkippedAndTheFirstNewFrameEndsTheResends()
    {
        final ResendFilter filter = new ResendFilter(STREAM_ID, SOURCE_ID, 10);
        final ByteBuf resends = run(SOURCE_ID, 7, 8, 9);
        assertEquals(3, filter.skipResent(resends));
        assertEquals(0, resends.readableBytes());
        resends.release();

        final ByteBuf mixed = run(SOURCE_ID, 9, 10, 11);
        assertEquals(1, filter.skipResent(mixed));
        assertEquals(10, Frames.sequence(mixed, mixed.readerIndex()));
        mixed.release();

        final ByteBuf late = run(SOURCE_ID, 3);
        assertEquals(0, filter.skipResent(late), "after the first new frame a low sequence is not a resend");
        late.release();
    }

    @Test
    void aFrameOfAnotherSourceIsLeftToTheCheck()
    {
        final ResendFilter filter = new ResendFilter(STREAM_ID, SOURCE_ID, 10);
        final ByteBuf run = run(SOURCE_ID + 1, 1);
        assertEquals(0, filter.skipResent(run));
        assertEquals(0, run.readerIndex());
        run.release();
    }

    private static ByteBuf run(final int sourceId, final long... sequences)
    {
        final ByteBuf run = Unpooled.buffer();
        for (final long sequence : sequences)
        {
            Frames.writeHeader(run, HEADER_LENGTH, FrameType.DATA, 0, STREAM_ID, sourceId, sequence, 0);
        }
        return run;
    }
}
