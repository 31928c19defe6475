package io.sluice.server.peer;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.Frames;
import io.sluice.server.counters.RelayCounters;

/**
 * An ERROR frame from a client (protocol.md §3: publishers and subscribers may send one, and close straight after
 * it). It is no protocol error of the client's: the relay counts it by the code it carries, gives the code and text
 * as the reason in the connection's close line, and closes the connection without answering.
 */
public final class ReceivedError
{
    // The text is the client's: at most this much of it reaches the log, control characters replaced.
    private static final int MAX_LOGGED_TEXT = 256;

    private ReceivedError()
    {
    }

    /**
     * Counts the ERROR and records it as the connection's close reason.
     *
     * @param channel the client's connection.
     * @param frame the whole ERROR frame (not released here).
     * @param counters where it is counted.
     */
    public static void record(final Channel channel, final ByteBuf frame, final RelayCounters counters)
    {
        final int index = frame.readerIndex();
        final int value = Frames.errorCodeValue(frame, index);
        final ErrorCode code = ErrorCode.fromCode(value);
        counters.onErrorReceived(code);
        final String name = value < 0 ? "without a code" : code.code() == value ? code.name() : "code " + value;
        ConnectionLog.closing(channel,
            "peer sent ERROR " + name + " (" + printable(Frames.errorText(frame, index)) + ")");
    }

    private static String printable(final String text)
    {
        final StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_LOGGED_TEXT));
        for (int i = 0; i < text.length() && out.length() < MAX_LOGGED_TEXT; i++)
        {
            final char c = text.charAt(i);
            out.append(Character.isISOControl(c) ? '?' : c);
        }
        return text.length() > MAX_LOGGED_TEXT ? out.append("...").toString() : out.toString();
    }
}
