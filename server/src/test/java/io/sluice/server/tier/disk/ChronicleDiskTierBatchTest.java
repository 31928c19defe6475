package io.sluice.server.tier.disk;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.core.protocol.FrameDescriptor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * How the disk tier cuts runs of frames into store records: whole frames only, up to the batch size, and a frame
 * larger than the batch size alone.
 */
class ChronicleDiskTierBatchTest
{
    private static ByteBuf frames(final int... lengths)
    {
        final ByteBuf buf = Unpooled.buffer();
        for (final int length : lengths)
        {
            final int at = buf.writerIndex();
            buf.writeZero(length);
            buf.setInt(at + FrameDescriptor.LENGTH_OFFSET, length);
        }
        return buf;
    }

    @Test
    void aRunThatFitsIsOneBatchWithoutLookingAtItsFrames()
    {
        final ByteBuf run = frames(100, 200, 300);
        try
        {
            assertEquals(600, ChronicleDiskTier.batchLength(run, 0, 600, 600));
            assertEquals(500, ChronicleDiskTier.batchLength(run, 100, 600, 1000));
        }
        finally
        {
            run.release();
        }
    }

    @Test
    void aLongerRunIsCutAtFrameBoundaries()
    {
        final ByteBuf run = frames(100, 200, 300, 50);
        try
        {
            assertEquals(300, ChronicleDiskTier.batchLength(run, 0, 650, 599));
            assertEquals(350, ChronicleDiskTier.batchLength(run, 300, 650, 599));
            assertEquals(600, ChronicleDiskTier.batchLength(run, 0, 650, 600));
            assertEquals(100, ChronicleDiskTier.batchLength(run, 0, 650, 299));
        }
        finally
        {
            run.release();
        }
    }

    @Test
    void aFrameLargerThanTheBatchGoesAlone()
    {
        final ByteBuf run = frames(64, 1000, 64);
        try
        {
            assertEquals(64, ChronicleDiskTier.batchLength(run, 0, 1128, 500));
            assertEquals(1000, ChronicleDiskTier.batchLength(run, 64, 1128, 500));
            assertEquals(64, ChronicleDiskTier.batchLength(run, 1064, 1128, 500));
        }
        finally
        {
            run.release();
        }
    }
}
