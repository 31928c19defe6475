package io.sluice.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

import java.io.ByteArrayOutputStream;

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
}
