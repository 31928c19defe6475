package io.sluice.client;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

import static io.sluice.core.protocol.FrameDescriptor.FLAGS_OFFSET;
import static io.sluice.core.protocol.FrameDescriptor.FLAG_KEYED;
import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;
import static io.sluice.core.protocol.FrameDescriptor.KEY_LENGTH;
import static io.sluice.core.protocol.FrameDescriptor.KNOWN_FLAGS;
import static io.sluice.core.protocol.FrameDescriptor.TIMESTAMP_OFFSET;

/**
 * Room for one message, claimed with {@link ExclusivePublication#tryClaim}: the frame in the memory the socket is
 * written from. Write the payload at {@link #offset()} of {@link #buffer()}, then {@link #commit()} to send it, or
 * {@link #abort()} to give the room back. The header is written already (stream, source, sequence, and the time of the
 * claim as its timestamp); {@link #flags} and {@link #timestampNanos} change it before the commit.
 * <pre>{@code
 * if (publication.tryClaim(length, claim) > 0)
 * {
 *     claim.buffer().putLong(claim.offset(), price);   // fill in place
 *     claim.commit();
 * }
 * }</pre>
 * One claim object can serve every claim of its thread, one after another. {@link #buffer()} spans exactly the frame,
 * so a write beyond the claimed length fails instead of overwriting frames on their way to the socket. A claim must be
 * committed or aborted before the publication takes the next one; committing twice, or after an abort, is refused.
 */
public final class BufferClaim
{
    private static final int NONE = 0;
    private static final int CLAIMED = 1;
    private static final int COMMITTED = 2;
    private static final int ABORTED = 3;

    private final UnsafeBuffer frame = new UnsafeBuffer(0, 0);
    private ExclusivePublication publication;
    private int state = NONE;

    void wrap(final ExclusivePublication publication, final UnsafeBuffer log, final int index, final int frameLength)
    {
        this.publication = publication;
        frame.wrap(log, index, frameLength);
        state = CLAIMED;
    }

    /**
     * @return the claimed frame, header first; the payload starts at {@link #offset()}.
     */
    public MutableDirectBuffer buffer()
    {
        return frame;
    }

    /**
     * @return where the payload starts in {@link #buffer()}.
     */
    public int offset()
    {
        return HEADER_LENGTH;
    }

    /**
     * @return the payload length claimed.
     */
    public int length()
    {
        return frame.capacity() - HEADER_LENGTH;
    }

    /**
     * Copies a payload in.
     *
     * @param src holds the payload.
     * @param srcIndex where it starts.
     * @param length its length, at most {@link #length()}.
     * @return this.
     */
    public BufferClaim putBytes(final DirectBuffer src, final int srcIndex, final int length)
    {
        frame.putBytes(HEADER_LENGTH, src, srcIndex, length);
        return this;
    }

    /**
     * Sets the frame's flags, e.g. {@link io.sluice.core.protocol.FrameDescriptor#FLAG_KEYED} (the payload then starts
     * with its 8-byte key).
     *
     * @param flags the flags.
     * @return this.
     * @throws IllegalArgumentException for undefined bits, or a keyed payload shorter than its key.
     */
    public BufferClaim flags(final int flags)
    {
        checkClaimed("set flags on");
        if ((flags & ~KNOWN_FLAGS) != 0)
        {
            throw new IllegalArgumentException("flags 0x" + Integer.toHexString(flags) + " set undefined bits");
        }
        if ((flags & FLAG_KEYED) != 0 && length() < KEY_LENGTH)
        {
            throw new IllegalArgumentException("a keyed message needs an 8-byte key at the start of its payload");
        }
        frame.putShort(FLAGS_OFFSET, (short)flags, ByteOrder.BIG_ENDIAN);
        return this;
    }

    /**
     * Sets the frame's timestamp (a load generator stamps the intended send time).
     *
     * @param timestampNanos epoch nanoseconds.
     * @return this.
     */
    public BufferClaim timestampNanos(final long timestampNanos)
    {
        checkClaimed("set the timestamp of");
        frame.putLong(TIMESTAMP_OFFSET, timestampNanos, ByteOrder.BIG_ENDIAN);
        return this;
    }

    /**
     * Sends the message: the event loop writes it to the socket from where it lies.
     *
     * @throws IllegalStateException when this claim was committed or aborted already, or nothing was claimed.
     */
    public void commit()
    {
        checkClaimed("commit");
        publication.commit(this);
        state = COMMITTED;
    }

    /**
     * Gives the room back unsent; the next claim takes its place and its sequence.
     *
     * @throws IllegalStateException when this claim was committed or aborted already, or nothing was claimed.
     */
    public void abort()
    {
        checkClaimed("abort");
        publication.abort(this);
        state = ABORTED;
    }

    private void checkClaimed(final String action)
    {
        if (state != CLAIMED)
        {
            throw new IllegalStateException("cannot " + action + " a claim that " + (state == COMMITTED ?
                "was committed already" : state == ABORTED ? "was aborted" : "was never made") +
                ": claim again with tryClaim");
        }
    }
}
