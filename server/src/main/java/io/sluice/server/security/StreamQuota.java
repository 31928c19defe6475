package io.sluice.server.security;

/**
 * The streams one principal may create: taken when its HELLO creates a stream (inside the stream registry's
 * admission of the name, after the relay's own max-streams), given back when that stream is removed.
 */
public interface StreamQuota
{
    /** No limit. */
    StreamQuota NONE = new StreamQuota()
    {
        @Override
        public void take(final String stream)
        {
        }

        @Override
        public void giveBack()
        {
        }
    };

    /**
     * Any thread: one more stream, for {@code stream}.
     *
     * @param stream the stream about to be created.
     * @throws io.sluice.core.protocol.ProtocolException TOO_MANY_STREAMS naming the principal's limit.
     */
    void take(String stream);

    /** Any thread: a stream taken with {@link #take} was removed. */
    void giveBack();
}
