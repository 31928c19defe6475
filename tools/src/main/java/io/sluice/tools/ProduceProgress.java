package io.sluice.tools;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The line a second {@code produce} prints on stderr while it runs: messages sent and offers back-pressured per
 * second since the previous line, and the total. The first line waits for {@link ProduceCommand#progressStart}.
 */
final class ProduceProgress
{
    private static final long SECOND_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final PrintWriter err;
    private final long startNanos;
    private long nextLineNanos;
    private long lastLineNanos;
    private long sentAtLine;
    private long backPressuredAtLine;

    /**
     * @param err where the lines go.
     * @param startNanos when the run started.
     * @param firstLineAfterNanos how long after the start the first line is due.
     */
    ProduceProgress(final PrintWriter err, final long startNanos, final long firstLineAfterNanos)
    {
        this.err = err;
        this.startNanos = startNanos;
        this.nextLineNanos = startNanos + firstLineAfterNanos;
        this.lastLineNanos = startNanos;
    }

    /**
     * Prints a line if one is due.
     *
     * @param now the time now.
     * @param sent messages sent so far.
     * @param backPressured offers back-pressured so far.
     */
    void onTick(final long now, final long sent, final long backPressured)
    {
        if (now < nextLineNanos)
        {
            return;
        }
        final double seconds = (now - lastLineNanos) / (double)SECOND_NANOS;
        err.printf(Locale.ROOT, "produce: %5ds  sent %,12.0f/s  back-pressured %,12.0f/s  total %,d%n",
            (now - startNanos) / SECOND_NANOS, (sent - sentAtLine) / seconds,
            (backPressured - backPressuredAtLine) / seconds, sent);
        err.flush();
        lastLineNanos = now;
        sentAtLine = sent;
        backPressuredAtLine = backPressured;
        nextLineNanos = now + SECOND_NANOS;
    }
}
