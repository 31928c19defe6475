package io.sluice.server.tier.disk;

import io.netty.buffer.ByteBuf;
import io.sluice.core.protocol.Frames;

/**
 * How a run is cut into store records. Chronicle's cost is per document (header, index, and its recomputing of the last
 * sequence number on each append), so a record holds a batch of whole frames back to back, up to a limit (or one
 * larger frame alone), rather than one frame.
 */
final class DiskTierBatch
{
    private DiskTierBatch()
    {
    }

    /**
     * @return bytes of the batch starting at {@code from}: whole frames up to {@code limit} bytes, at least one frame;
     * the whole run when it fits, without a look at its frames.
     */
    static int length(final ByteBuf frames, final int from, final int to, final int limit)
    {
        if (to - from <= limit)
        {
            return to - from;
        }
        int end = from + Frames.frameLength(frames, from);
        int next;
        while (end < to && (next = end + Frames.frameLength(frames, end)) - from <= limit)
        {
            end = next;
        }
        return end - from;
    }
}
