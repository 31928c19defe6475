package io.sluice.server;

import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static io.sluice.core.protocol.FrameDescriptor.HEADER_LENGTH;

/**
 * Frames as bytes, field by field as docs/protocol.md lays them out, for a {@link RawPeer} to send: well-formed
 * ones, and ones whose length, version, type, flags or payload lie, which no real client would write.
 */
final class RawFrames
{
    private RawFrames()
    {
    }

    /** A frame whose length field says {@code 32 + payload.length}. */
    static byte[] frame(final int type, final int flags, final int streamId, final int sourceId, final long sequence,
        final byte[] payload)
    {
        return frame(HEADER_LENGTH + payload.length, FrameDescriptor.VERSION, type, flags, streamId, sourceId, sequence,
            payload);
    }

    /** A frame with every header field given, the length field included, so that it can lie. */
    static byte[] frame(final int lengthField, final int version, final int type, final int flags, final int streamId,
        final int sourceId, final long sequence, final byte[] payload)
    {
        final ByteBuffer b = ByteBuffer.allocate(HEADER_LENGTH + payload.length);
        b.putInt(lengthField);
        b.put((byte)version);
        b.put((byte)type);
        b.putShort((short)flags);
        b.putInt(streamId);
        b.putInt(sourceId);
        b.putLong(sequence);
        b.putLong(System.currentTimeMillis() * 1_000_000L);
        b.put(payload);
        return b.array();
    }

    /**
     * A DATA frame whose 8-byte payload is its own sequence, in the native byte order Agrona's buffers read it in
     * (what {@link OrderCheckingHandler} checks).
     */
    static byte[] data(final int streamId, final int sourceId, final long sequence)
    {
        return frame(FrameType.DATA, 0, streamId, sourceId, sequence, sequencePayload(new byte[8], sequence));
    }

    /** Writes {@code sequence} into the first 8 bytes of {@code payload}, as {@link OrderCheckingHandler} reads it. */
    static byte[] sequencePayload(final byte[] payload, final long sequence)
    {
        ByteBuffer.wrap(payload).order(ByteOrder.nativeOrder()).putLong(0, sequence);
        return payload;
    }

    /** A header-only frame: HEARTBEAT, CLOSE, ACK. */
    static byte[] empty(final int type)
    {
        return frame(type, 0, 0, 0, 0, new byte[0]);
    }

    /** An ERROR frame with any code number and text, as protocol.md §3.6 lays it out. */
    static byte[] error(final int code, final String text)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return frame(FrameType.ERROR, 0, 0, 0, 0,
            ByteBuffer.allocate(6 + bytes.length).putInt(code).putShort((short)bytes.length).put(bytes).array());
    }

    /** A well-formed HELLO frame. */
    static byte[] hello(final int role, final String stream, final String subscription, final String token)
    {
        return frame(FrameType.HELLO, 0, 0, 0, 0, helloPayload(role, ascii(stream), ascii(subscription),
            token.getBytes(StandardCharsets.UTF_8)));
    }

    /** A HELLO payload built from raw bytes, for malformed variants. */
    static byte[] helloPayload(final int role, final byte[] stream, final byte[] subscription, final byte[] token)
    {
        final ByteBuffer b = ByteBuffer.allocate(8 + stream.length + subscription.length + token.length);
        b.put((byte)role).put((byte)0);
        b.putShort((short)stream.length).put(stream);
        b.putShort((short)subscription.length).put(subscription);
        b.putShort((short)token.length).put(token);
        return b.array();
    }

    static byte[] ascii(final String s)
    {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] concat(final byte[]... parts)
    {
        int length = 0;
        for (final byte[] part : parts)
        {
            length += part.length;
        }
        final ByteBuffer b = ByteBuffer.allocate(length);
        for (final byte[] part : parts)
        {
            b.put(part);
        }
        return b.array();
    }
}
