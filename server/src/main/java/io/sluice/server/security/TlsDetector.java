package io.sluice.server.security;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandler;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.ProtocolException;

import java.util.List;
import java.util.function.Supplier;

/**
 * First handler of a relay connection: looks at the first bytes to tell a TLS handshake record (type 22, version
 * 3.x) from a Sluice frame (whose first byte is the top byte of a length far below 22 &lt;&lt; 24), then steps aside.
 * On a TLS port it puts the TLS handler in its place; plain text there is refused with
 * {@code TLS_MISMATCH} in plain text, which a plain client can read (instead of a TLS alert it could not). On a plain
 * port a TLS handshake is refused the same way (a TLS client cannot read the answer, but the relay's log says what
 * happened, rather than a frame length of 369 million).
 */
final class TlsDetector extends ByteToMessageDecoder
{
    /** The content type of a TLS handshake record, a TLS connection's first byte. */
    private static final int HANDSHAKE = 22;
    /** The major version byte of every TLS record (SSL 3.0 to TLS 1.3). */
    private static final int TLS_MAJOR_VERSION = 3;

    private final Supplier<SslHandler> tls;
    private final Runnable onMismatch;
    // After a mismatch everything else is discarded: the connection is about to close.
    private boolean failed;

    /**
     * @param tls makes the TLS handler for this connection; null on a plain port.
     * @param onMismatch told when the other side speaks the other language, before the error goes up.
     */
    TlsDetector(final Supplier<SslHandler> tls, final Runnable onMismatch)
    {
        this.tls = tls;
        this.onMismatch = onMismatch;
    }

    @Override
    protected void decode(final ChannelHandlerContext ctx, final ByteBuf in, final List<Object> out)
    {
        if (failed)
        {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (!in.isReadable() || (in.readableBytes() < 2 && in.getUnsignedByte(in.readerIndex()) == HANDSHAKE))
        {
            return;
        }
        // Decided on two bytes at most, so that a frame header's own checks (a length too large, a connection closed
        // three bytes into a frame) are not held up waiting for more.
        final boolean encrypted = in.getUnsignedByte(in.readerIndex()) == HANDSHAKE &&
            in.getUnsignedByte(in.readerIndex() + 1) == TLS_MAJOR_VERSION;
        if (encrypted == (tls != null))
        {
            // What was read so far goes on to the handler that takes our place (ByteToMessageDecoder hands it over).
            if (tls != null)
            {
                ctx.pipeline().replace(this, "tls", tls.get());
            }
            else
            {
                ctx.pipeline().remove(this);
            }
            return;
        }
        in.skipBytes(in.readableBytes());
        failed = true;
        onMismatch.run();
        throw new ProtocolException(ErrorCode.TLS_MISMATCH, tls != null ?
            "this port takes TLS connections only: connect with TLS" :
            "a TLS handshake on a plain-text port: this relay's port has no TLS");
    }
}
