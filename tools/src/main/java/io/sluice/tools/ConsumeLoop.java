package io.sluice.tools;

import io.sluice.core.util.EpochClock;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The loop {@code consume} runs on its own thread: takes messages through the intake (polled, read from the socket
 * by a direct subscription, or counted by a callback subscription's checker) until the count, the duration or the
 * idle timeout is reached, the connection has ended and everything received was taken, or the command is stopped; at
 * {@code --rate} if given; acknowledging what the checker counted, and printing a progress line a second on stderr.
 * A polling intake is polled at least every 10 ms, paced or idle, well within the heartbeat interval a direct
 * subscription's poll must keep.
 */
final class ConsumeLoop
{
    private static final long SECOND_NANOS = TimeUnit.SECONDS.toNanos(1);
    // Most frames one poll delivers: bounds the time between stop checks.
    private static final int POLL_LIMIT = 256;
    // Longest park of a paced loop between looks at its intake.
    private static final long PACED_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    // A pass of the loop this much later than the last means the process did not run (stopped, descheduled): the
    // idle time restarts, since what arrived meanwhile may still be on its way from the socket.
    private static final long OWN_STALL_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private final Intake intake;
    private final Checker checker;
    private final PrintWriter err;

    /**
     * @param intake where the messages come from, and what acknowledges them.
     * @param checker what checks and counts them.
     * @param err where the progress lines go.
     */
    ConsumeLoop(final Intake intake, final Checker checker, final PrintWriter err)
    {
        this.intake = intake;
        this.checker = checker;
        this.err = err;
    }

    /**
     * Takes messages until the run is over; returns with what was counted not necessarily acknowledged yet.
     *
     * @param count messages to take at most, or Long.MAX_VALUE.
     * @param durationNanos how long to run at most, or Long.MAX_VALUE.
     * @param idleNanos how long no message may come, once one has.
     * @param rate messages per second at most, or null for as fast as they come.
     * @param polled whether the intake polls (a ring, or the socket: {@code --direct}, {@code --invoker}), and so the
     * loop backs off in microseconds rather than milliseconds.
     * @param running false once the command is to stop.
     */
    void run(final long count, final long durationNanos, final long idleNanos, final Double rate,
        final boolean polled, final BooleanSupplier running)
    {
        final boolean paced = rate != null;
        final double nanosPerMessage = paced ? SECOND_NANOS / rate : 0;
        // About a millisecond's worth per poll keeps a paced consumer smooth rather than bursty.
        final int pacedBatch = paced ? (int)Math.max(1, Math.min(POLL_LIMIT, rate / 1000)) : POLL_LIMIT;
        // Polling backs off to 100 us; a callback subscription's thread only watches, so it looks once a millisecond.
        final IdleStrategy idle = polled ? new BackoffIdleStrategy(100, 10, 1_000, 100_000) :
            new SleepingMillisIdleStrategy(1);

        final long start = EpochClock.nanos();
        final long deadline = durationNanos == Long.MAX_VALUE ? Long.MAX_VALUE : start + durationNanos;
        long nextProgress = start + ProduceCommand.progressStart(count != Long.MAX_VALUE, durationNanos);
        long lastProgress = start;
        long receivedAtProgress = 0;
        long paceOrigin = start;
        long paceBase = 0;
        // When polls began to come back empty, or 0 while messages arrive: idle is what this loop saw, not the time
        // since the last message, which would count a stopped process's pause and leave what waited unread.
        long emptySince = 0;
        long lastPass = start;

        while (running.getAsBoolean())
        {
            final long now = EpochClock.nanos();
            if (now - lastPass > OWN_STALL_NANOS)
            {
                emptySince = 0;
            }
            lastPass = now;
            final long received = checker.seen();
            if (received >= count || now >= deadline)
            {
                break;
            }
            if (now >= nextProgress)
            {
                final double seconds = (now - lastProgress) / (double)SECOND_NANOS;
                err.printf(Locale.ROOT, "consume: %5ds  received %,12.0f/s  total %,d  outOfOrder %d  gaps %d%n",
                    (now - start) / SECOND_NANOS, (received - receivedAtProgress) / seconds, received,
                    checker.outOfOrderSeen, checker.gapsSeen);
                err.flush();
                lastProgress = now;
                receivedAtProgress = received;
                nextProgress = now + SECOND_NANOS;
            }
            int pollLimit = (int)Math.min(POLL_LIMIT, count - received);
            if (paced)
            {
                // Message paceBase + k may be taken at paceOrigin + k / rate.
                final long due = received - paceBase;
                final long dueAt = paceOrigin + (long)(due * nanosPerMessage);
                if (now < dueAt)
                {
                    LockSupport.parkNanos(Math.min(dueAt - now, PACED_PARK_NANOS));
                    // However long until the next is due: a direct subscription must not go unpolled for a heartbeat.
                    intake.keepAlive();
                    // Nor is a connection that ended, with nothing of it left to take, waited on until then.
                    if (intake.isDrained())
                    {
                        break;
                    }
                    continue;
                }
                final long allowed = 1 + (long)((now - paceOrigin) / nanosPerMessage) - due;
                pollLimit = (int)Math.min(pollLimit, Math.min(allowed, pacedBatch));
            }
            final int taken = intake.take(pollLimit);
            intake.acknowledgeCounted();
            if (taken > 0)
            {
                idle.reset();
                emptySince = 0;
                continue;
            }
            if (intake.isDrained())
            {
                break;
            }
            if (emptySince == 0)
            {
                emptySince = now;
            }
            else if (received > 0 && now - emptySince >= idleNanos)
            {
                break;
            }
            if (paced)
            {
                // Starved, not slow: restart the schedule so the wait earns no credit for a later burst.
                paceOrigin = EpochClock.nanos();
                paceBase = checker.seen();
            }
            idle.idle();
        }
    }
}
