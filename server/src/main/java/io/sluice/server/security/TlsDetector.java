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
 * First handler of a relay connection: looks at the first five bytes to tell a TLS record from a Sluice frame, then
 * steps aside. On a TLS port it puts the TLS handler in its place; plain text there is refused with
 * {@code TLS_MISMATCH} in plain text, which a plain client can read (instead of a TLS alert it could not). On a plain
 * port a TLS handshake is refused the same way (a TLS client cannot read the answer, but the relay's log says what
 * happened, rather than a frame length of 369 million).
 */
final class TlsDetector extends ByteToMessageDecoder
{
    /** A TLS record header: type, version (2 bytes), length (2 bytes). */
    private static final int RECORD_HEADER = 5;

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
        if (in.readableBytes() < RECORD_HEADER)
        {
            return;
        }
        final boolean encrypted = SslHandler.isEncrypted(in, false);
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
