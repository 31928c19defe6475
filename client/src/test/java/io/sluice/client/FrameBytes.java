package io.sluice.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.Arrays;

import static io.sluice.core.protocol.FrameDescriptor.TYPE_OFFSET;

/** Frames as the bytes a peer played by a test writes. */
final class FrameBytes
{
    private FrameBytes()
    {
    }

    /** @return the readable bytes of the frames, one after another; each frame is released. */
    static byte[] bytes(final ByteBuf... frames)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (final ByteBuf frame : frames)
        {
            try
            {
                out.writeBytes(ByteBufUtil.getBytes(frame));
            }
            finally
            {
                frame.release();
            }
        }
        return out.toByteArray();
    }

    /** @return the parts one after another. */
    static byte[] concat(final byte[]... parts)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (final byte[] part : parts)
        {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /**
     * Reads frames until one of a type not in {@code skipped}.
     *
     * @return that frame's type, or -1 when the stream ends first.
     */
    static int nextFrameTypeOtherThan(final DataInputStream in, final int... skipped) throws IOException
    {
        while (true)
        {
            final int length;
            try
            {
                length = in.readInt();
            }
            catch (final EOFException ended)
            {
                return -1;
            }
            final byte[] rest = new byte[length - 4];
            in.readFully(rest);
            final int type = rest[TYPE_OFFSET - 4] & 0xFF;
            if (Arrays.stream(skipped).noneMatch(skip -> skip == type))
            {
                return type;
            }
        }
    }
}
