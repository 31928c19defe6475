package io.sluice.server.lane;

import io.netty.buffer.ByteBuf;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;

import java.util.function.Consumer;

/**
 * The runs an acknowledging subscriber was sent and has not acknowledged, oldest first, each with the position of its
 * last DATA or GAP frame. A run is kept (one reference, taken when it was written) until every frame in it is
 * acknowledged; then it is released. The bytes counted against the window are those of the frames not acknowledged
 * (protocol.md §4.3), not of the runs kept: a subscriber acknowledging every half window of bytes must find it open
 * while the rest of a long run waits for the next acknowledgement. Parallel arrays in a ring that doubles when full:
 * growing is bounded by the window (a run holds at least one message), and nothing is allocated per run once it has
 * grown.
 * <p>
 * The lane's event loop only.
 */
final class UnackedRuns
{
    private static final int INITIAL_CAPACITY = 64;

    private ByteBuf[] runs = new ByteBuf[INITIAL_CAPACITY];
    private int[] starts = new int[INITIAL_CAPACITY];
    private int[] ends = new int[INITIAL_CAPACITY];
    private long[] firstPositions = new long[INITIAL_CAPACITY];
    private long[] lastPositions = new long[INITIAL_CAPACITY];
    private int head;
    private int size;
    private long bytes;
    // In the oldest run: the index of its first frame not acknowledged, and the position that frame has if it is a
    // DATA or GAP frame (the next such frame's otherwise).
    private int headFrom;
    private long headFromPosition;

    /**
     * Keeps a reference to {@code run}, whose bytes {@code start..end} carry the DATA or GAP frames at
     * {@code firstPosition..lastPosition}. The caller has retained it for this.
     */
    void add(final ByteBuf run, final int start, final int end, final long firstPosition, final long lastPosition)
    {
        if (size == runs.length)
        {
            grow();
        }
        final int at = (head + size) & (runs.length - 1);
        if (size == 0)
        {
            headFrom = start;
            headFromPosition = firstPosition;
        }
        runs[at] = run;
        starts[at] = start;
        ends[at] = end;
        firstPositions[at] = firstPosition;
        lastPositions[at] = lastPosition;
        size++;
        bytes += end - start;
    }

    /**
     * Releases the runs whose last position is at or below {@code acked}, and counts the frames at or below it in
     * the oldest run left as acknowledged. Walks each frame once over all calls.
     */
    void releaseThrough(final long acked)
    {
        while (size > 0 && lastPositions[head] <= acked)
        {
            removeHead().release();
        }
        if (size == 0 || headFromPosition > acked)
        {
            return;
        }
        final ByteBuf run = runs[head];
        final int end = ends[head];
        int index = headFrom;
        long position = headFromPosition;
        while (end - index >= FrameDescriptor.HEADER_LENGTH)
        {
            final int type = Frames.type(run, index);
            final boolean positioned = type == FrameType.DATA || type == FrameType.GAP;
            final int length = Frames.frameLength(run, index);
            if ((positioned && position > acked) || length < FrameDescriptor.HEADER_LENGTH)
            {
                break;
            }
            index += length;
            if (positioned)
            {
                position++;
            }
        }
        headFrom = index;
        headFromPosition = position;
    }

    /**
     * Hands every frame above {@code acked} to {@code to}, oldest first, as slices it owns (in the runs' own memory),
     * and releases every run. Frames of a run that are at or below {@code acked} are left out, so what is handed on
     * starts exactly at position {@code acked + 1}.
     */
    void handOverAbove(final long acked, final Consumer<ByteBuf> to)
    {
        while (size > 0)
        {
            final int start = starts[head];
            final int end = ends[head];
            final long first = firstPositions[head];
            final long last = lastPositions[head];
            final ByteBuf run = removeHead();
            try
            {
                if (last > acked)
                {
                    final int from = first > acked ? start : firstAbove(run, start, end, first, acked);
                    to.accept(run.retainedSlice(from, end - from));
                }
            }
            finally
            {
                run.release();
            }
        }
    }

    /** Releases every run. */
    void releaseAll()
    {
        while (size > 0)
        {
            removeHead().release();
        }
    }

    /** @return runs held. */
    int size()
    {
        return size;
    }

    /** @return bytes of the runs held, frames already acknowledged in the oldest one included. */
    long bytes()
    {
        return bytes;
    }

    /** @return bytes of the frames held and not acknowledged. */
    long unackedBytes()
    {
        return size == 0 ? 0 : bytes - (headFrom - starts[head]);
    }

    // The index of the first frame above acked.
    private static int firstAbove(final ByteBuf run, final int start, final int end, final long first,
        final long acked)
    {
        long position = first - 1;
        int index = start;
        while (index < end)
        {
            final int type = Frames.type(run, index);
            if (type == FrameType.DATA || type == FrameType.GAP)
            {
                position++;
                if (position > acked)
                {
                    return index;
                }
            }
            index += Frames.frameLength(run, index);
        }
        return end;
    }

    private ByteBuf removeHead()
    {
        final ByteBuf run = runs[head];
        runs[head] = null;
        bytes -= ends[head] - starts[head];
        head = (head + 1) & (runs.length - 1);
        size--;
        if (size > 0)
        {
            headFrom = starts[head];
            headFromPosition = firstPositions[head];
        }
        return run;
    }

    private void grow()
    {
        final int capacity = runs.length * 2;
        final ByteBuf[] newRuns = new ByteBuf[capacity];
        final int[] newStarts = new int[capacity];
        final int[] newEnds = new int[capacity];
        final long[] newFirst = new long[capacity];
        final long[] newLast = new long[capacity];
        for (int i = 0; i < size; i++)
        {
            final int from = (head + i) & (runs.length - 1);
            newRuns[i] = runs[from];
            newStarts[i] = starts[from];
            newEnds[i] = ends[from];
            newFirst[i] = firstPositions[from];
            newLast[i] = lastPositions[from];
        }
        runs = newRuns;
        starts = newStarts;
        ends = newEnds;
        firstPositions = newFirst;
        lastPositions = newLast;
        head = 0;
    }
}
