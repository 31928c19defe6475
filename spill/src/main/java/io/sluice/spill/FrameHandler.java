package io.sluice.spill;

import org.agrona.DirectBuffer;

/**
 * Receives frames from {@link SpillStore#read(FrameHandler, int)}, oldest first.
 */
@FunctionalInterface
public interface FrameHandler
{
    /**
     * One frame. The bytes are a view of the memory-mapped spill file: valid only during this call, read-only, and
     * never to be retained; copy them out if they must outlive the call.
     *
     * <p>The frame counts as consumed when this method returns normally. If it throws, the frame is not consumed: the
     * exception propagates out of {@code read} and the same frame is delivered first by the next {@code read}.
     *
     * @param buffer holds the frame.
     * @param offset where the frame starts in {@code buffer}.
     * @param length the frame's length in bytes, exactly as appended.
     */
    void onFrame(DirectBuffer buffer, int offset, int length);
}
