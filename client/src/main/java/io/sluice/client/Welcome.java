package io.sluice.client;

/**
 * What the relay's WELCOME said.
 *
 * @param streamId id of the stream, to stamp into DATA frames.
 * @param sourceId id of this publisher (0 for subscribers).
 * @param heartbeatIntervalMs relay's heartbeat interval.
 * @param heartbeatTimeoutMs relay's heartbeat timeout.
 * @param maxFrameLength largest frame the relay accepts.
 * @param nextSequence the sequence the relay expects next: 0, or an identified publisher's from an earlier connection;
 * to an acknowledging subscriber, the position of the first DATA or GAP frame it will send.
 * @param acknowledged whether the WELCOME carried the acknowledged-delivery fields that follow.
 * @param windowMessages window granted in messages; 0 without acknowledged delivery.
 * @param windowBytes window granted in bytes; 0 without acknowledged delivery.
 * @param redeliveredThrough the last position sent again, flagged redelivered; below the first position when none.
 */
record Welcome(int streamId, int sourceId, int heartbeatIntervalMs, int heartbeatTimeoutMs, int maxFrameLength,
    long nextSequence, boolean acknowledged, int windowMessages, int windowBytes, long redeliveredThrough)
{
    /**
     * How often this side sends HEARTBEAT once welcomed: the relay's interval (protocol.md §5), which its timeout for
     * this side's silence is set against; an interval of its own could outlast that timeout on an idle connection.
     *
     * @param configuredMs the client's own interval, used until the WELCOME, and after it if it announced none.
     * @return milliseconds, positive.
     */
    int sendIntervalMs(final int configuredMs)
    {
        return heartbeatIntervalMs > 0 ? heartbeatIntervalMs : configuredMs;
    }

    /**
     * How long this side lets the relay stay silent once welcomed: the client's own timeout, unless that is not above
     * the relay's interval (a healthy relay would time out), then the relay's.
     *
     * @param configuredMs the client's own timeout.
     * @param configuredIntervalMs the client's own interval.
     * @return milliseconds, above {@link #sendIntervalMs}'s answer.
     */
    int silenceTimeoutMs(final int configuredMs, final int configuredIntervalMs)
    {
        final int relayIntervalMs = sendIntervalMs(configuredIntervalMs);
        if (configuredMs > relayIntervalMs)
        {
            return configuredMs;
        }
        return heartbeatTimeoutMs > relayIntervalMs ? heartbeatTimeoutMs : 2 * relayIntervalMs;
    }
}
