package io.sluice.tools;

/**
 * What {@code consume} needs of its subscription, whatever its kind, so that one loop and one end of the run serve
 * them all: a callback subscription whose handler (the checker) runs on the connection's event loop
 * ({@link CallbackIntake}, the default), a subscription polled on the command's thread from the ring the event loop
 * fills ({@link PolledIntake}: {@code --poll}, {@code --rate}), or a direct subscription whose poll reads the socket on
 * the command's thread ({@link DirectIntake}: {@code --direct}). Each hands what it takes to the checker it was made
 * with. The command's thread only.
 */
interface Intake
{
    /**
     * @param limit the most messages (and GAP notices) to take now; a callback subscription takes what comes.
     * @return messages taken since the last call.
     */
    int take(int limit);

    /**
     * What the connection needs of this thread while it takes nothing (a paced run waiting for the next message to
     * be due): a direct subscription's heartbeats and its check that the relay is alive. Call it well within the
     * heartbeat interval.
     */
    void keepAlive();

    /**
     * @return whether the connection has ended and everything received was taken.
     */
    boolean isDrained();

    /**
     * @return whether the connection is up.
     */
    boolean isConnected();

    /**
     * @return why the connection ended, or null while it is up or when no reason is known.
     */
    String closeReason();

    /**
     * With acknowledged delivery, acknowledges what the checker has counted (as of its last batch end); otherwise
     * nothing.
     */
    void acknowledgeCounted();

    /**
     * Closes the subscription; from then on the checker is not called, so its counts are final.
     */
    void close();
}
