package io.sluice.core.protocol;

/**
 * What {@link FrameDecoder} learned about a run of DATA frames while cutting it, so that the next handler need not
 * walk the run again: how many frames, and whether they all come from one source in sequence order.
 * <p>
 * The slices the decoder cuts from a read implement this; a frame that arrived split across reads (and was copied)
 * does not, so a handler checks with {@code instanceof} and walks the frames itself otherwise. It describes the run
 * as it was cut, and is valid on the decoder's event loop until the buffer is released (the object is reused after
 * that). For a slice holding one frame of another type, {@link #frameCount()} is 0.
 */
public interface DataRun
{
    /**
     * @return DATA frames in the run.
     */
    int frameCount();

    /**
     * @return whether every frame carries the stream and source ids of the first and each sequence is one above the
     * one before; when false, the other accessors still describe the first frame.
     */
    boolean isOneSourceInOrder();

    /**
     * @return stream id of the first frame.
     */
    int streamId();

    /**
     * @return source id of the first frame.
     */
    int sourceId();

    /**
     * @return sequence of the first frame.
     */
    long firstSequence();

    /**
     * @return sequence of the last frame (meaningful when {@link #isOneSourceInOrder()}).
     */
    long lastSequence();
}
