package io.sluice.client;

import java.util.concurrent.TimeUnit;

/**
 * The heartbeat clock of a direct connection: when this side owes the relay a HEARTBEAT (none sent for an
 * interval, whatever else was), and when the relay's silence has lasted past the heartbeat timeout. Times are
 * {@link System#nanoTime()}.
 */
final class Liveness
{
    private final long heartbeatIntervalNanos;
    private final long heartbeatTimeoutNanos;
    private long lastSentNanos;
    private long lastReceivedNanos;

    /**
     * @param welcome the relay's WELCOME, whose heartbeat interval this side adopts.
     * @param config the client's own heartbeat settings.
     * @param nowNanos now, on the clock the checks use.
     * @return the liveness of a connection just welcomed.
     */
    static Liveness welcomed(final Welcome welcome, final ClientConfig config, final long nowNanos)
    {
        final int intervalMs = welcome.sendIntervalMs(config.heartbeatIntervalMs());
        final int timeoutMs = welcome.silenceTimeoutMs(config.heartbeatTimeoutMs(), config.heartbeatIntervalMs());
        return new Liveness(TimeUnit.MILLISECONDS.toNanos(intervalMs), TimeUnit.MILLISECONDS.toNanos(timeoutMs),
            nowNanos);
    }

    Liveness(final long heartbeatIntervalNanos, final long heartbeatTimeoutNanos, final long nowNanos)
    {
        this.heartbeatIntervalNanos = heartbeatIntervalNanos;
        this.heartbeatTimeoutNanos = heartbeatTimeoutNanos;
        this.lastSentNanos = nowNanos;
        this.lastReceivedNanos = nowNanos;
    }

    void onSent(final long nowNanos)
    {
        lastSentNanos = nowNanos;
    }

    void onReceived(final long nowNanos)
    {
        lastReceivedNanos = nowNanos;
    }

    /**
     * @return whether no HEARTBEAT was sent for a heartbeat interval.
     */
    boolean isHeartbeatDue(final long nowNanos)
    {
        return nowNanos - lastSentNanos >= heartbeatIntervalNanos;
    }

    /**
     * @return whether nothing was received for longer than the heartbeat timeout.
     */
    boolean isPeerSilentTooLong(final long nowNanos)
    {
        return nowNanos - lastReceivedNanos > heartbeatTimeoutNanos;
    }

    long silenceMs(final long nowNanos)
    {
        return TimeUnit.NANOSECONDS.toMillis(nowNanos - lastReceivedNanos);
    }

    long timeoutMs()
    {
        return TimeUnit.NANOSECONDS.toMillis(heartbeatTimeoutNanos);
    }
}
