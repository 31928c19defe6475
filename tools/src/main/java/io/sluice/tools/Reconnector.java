package io.sluice.tools;

import io.sluice.client.SluiceException;
import io.sluice.core.protocol.ErrorCode;

import java.io.PrintWriter;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * {@code produce --reconnect}: after the connection is lost, opens the publication again, with the same producer id
 * and epoch, until it succeeds, the run's limit passes or it is stopped. Waits between tries, doubling from
 * {@link #FIRST_DELAY_NANOS} up to {@link #MAX_DELAY_NANOS}, so a relay that is restarting is not flooded.
 * <p>
 * A relay that has not yet seen the old connection close refuses the same epoch with PRODUCER_FENCED (up to its
 * heartbeat timeout for a dead peer), so that refusal is retried, for at most {@link #FENCED_PATIENCE_NANOS}: past
 * it a higher epoch holds the producer id, and raising ours silently would fence a producer that may be alive.
 * <p>
 * The waits run the client's duty cycle ({@link PacingWait}): in the invoker mode ({@code --invoker}) the client's loop
 * runs on this thread only.
 */
final class Reconnector
{
    static final long FIRST_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    static final long MAX_DELAY_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final long FENCED_PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final PublicationOpener opener;
    private final LongSupplier clock;
    private final PrintWriter err;
    private final PacingWait wait;
    private String failure;

    /**
     * @param opener opens the publication again.
     * @param clock the clock the run's deadline is on.
     * @param err where the tries are said.
     * @param wait the wait between tries, on the same clock.
     */
    Reconnector(final PublicationOpener opener, final LongSupplier clock, final PrintWriter err, final PacingWait wait)
    {
        this.opener = opener;
        this.clock = clock;
        this.err = err;
        this.wait = wait;
    }

    /**
     * @param lost why the last connection ended, said once.
     * @param running false once the run is stopped.
     * @param deadline the run's end on the clock, or Long.MAX_VALUE.
     * @return the publication opened again, or null with {@link #failure()} saying why not.
     */
    Outlet reopen(final String lost, final BooleanSupplier running, final long deadline)
    {
        err.println("produce: " + lost + "; reconnecting as producer " + opener.producerId() + ", epoch " +
            opener.epoch());
        err.flush();
        failure = null;
        long delay = FIRST_DELAY_NANOS;
        long fencedSince = -1;
        String last = lost;
        while (running.getAsBoolean())
        {
            final long now = clock.getAsLong();
            if (now >= deadline)
            {
                failure = last + "; the run's time was up while reconnecting";
                return null;
            }
            try
            {
                return opener.open();
            }
            catch (final SluiceException ex)
            {
                last = ex.getMessage();
                if (ex.code() == ErrorCode.PRODUCER_FENCED)
                {
                    fencedSince = fencedSince < 0 ? now : fencedSince;
                    if (now - fencedSince > FENCED_PATIENCE_NANOS)
                    {
                        failure = last + "; still fenced after " +
                            TimeUnit.NANOSECONDS.toSeconds(FENCED_PATIENCE_NANOS) + " s (a higher epoch holds it)";
                        return null;
                    }
                }
                else if (!retryable(ex.code()))
                {
                    failure = last;
                    return null;
                }
            }
            final long waitFrom = clock.getAsLong();
            wait.until(waitFrom + Math.min(delay, Math.max(0, deadline - waitFrom)), waitFrom, opener.duty());
            delay = nextDelayNanos(delay);
        }
        failure = last + "; stopped while reconnecting";
        return null;
    }

    /**
     * @return why the last {@link #reopen} gave up, or null.
     */
    String failure()
    {
        return failure;
    }

    /**
     * @return the wait after one of {@code delayNanos}: twice as long, at most {@link #MAX_DELAY_NANOS}.
     */
    static long nextDelayNanos(final long delayNanos)
    {
        return Math.min(MAX_DELAY_NANOS, delayNanos * 2);
    }

    /**
     * @return whether a refusal may pass by itself: no relay there (null code), or one shutting down or full.
     */
    static boolean retryable(final ErrorCode code)
    {
        return code == null || code == ErrorCode.SHUTTING_DOWN || code == ErrorCode.TOO_MANY_CONNECTIONS ||
            code == ErrorCode.PRODUCER_FENCED;
    }

    /**
     * @return whether a lost connection's reason is a takeover by a higher epoch, after which reconnecting would
     * fight the producer that took over.
     */
    static boolean takenOver(final String closeReason)
    {
        return closeReason != null && closeReason.startsWith("relay error " + ErrorCode.PRODUCER_FENCED);
    }
}
