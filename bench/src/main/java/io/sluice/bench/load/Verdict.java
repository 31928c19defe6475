package io.sluice.bench.load;

import java.util.Locale;
import java.util.Map;

/** One plain sentence of what a run did, from its counts (for the demo's table). */
public final class Verdict
{
    private Verdict()
    {
    }

    /**
     * @param r a run over a relay.
     * @return what happened, in one sentence.
     */
    public static String of(final RunResult r)
    {
        final long relayDropped = r.droppedByReason().values().stream().mapToLong(Long::longValue).sum();
        final long dropped = Math.max(relayDropped, r.dropped());
        final String memory = Format.bytes(r.peakMemoryBytes());
        if (dropped > 0)
        {
            return String.format(Locale.ROOT,
                "Kept the producer at full speed by dropping %,d messages (%.0f%%%s); memory stayed under %s and what "
                    + "arrived was at most %s late (p99).",
                dropped, 100.0 * dropped / Math.max(1, r.sent()), reasons(r.droppedByReason()), memory,
                Format.micros(r.latency(99)));
        }
        final String left = r.left() > 0 ?
            String.format(Locale.ROOT, " (%,d were still on their way when the demo moved on)", r.left()) : "";
        if (r.spilled() > 0)
        {
            return String.format(Locale.ROOT,
                "Once %s of memory was full it wrote %,d messages to disk (%s at peak) and kept taking them; nothing "
                    + "was lost%s.", memory, r.spilled(), Format.bytes(r.peakDiskBytes()), left);
        }
        if (r.sent() < r.intended() * 0.95)
        {
            final String absorbed = r.peakMemoryBytes() >= 1024 * 1024 ?
                "Absorbed " + memory + " in memory, then slowed" : "Slowed";
            return String.format(Locale.ROOT,
                "%s the producer to the consumer's pace: it sent %,d of the %,d messages it meant to; nothing was "
                    + "lost, memory stayed under %s, and waiting to send shows as latency (p99 %s)%s.",
                absorbed, r.sent(), r.intended(), memory, Format.micros(r.latency(99)), left);
        }
        return String.format(Locale.ROOT, "Kept up: all %,d messages delivered, memory stayed under %s%s.", r.sent(),
            memory, left);
    }

    /**
     * @param r the unbounded-queue baseline.
     * @return what happened, in one sentence.
     */
    public static String of(final UnboundedQueueBaseline.Result r)
    {
        if (r.error() != null)
        {
            return "Could not run: " + r.error();
        }
        if (r.outOfMemory())
        {
            return String.format(Locale.ROOT,
                "The queue grew to %,d messages and the heap to %s of %s in %.1f s, then OutOfMemoryError: the process "
                    + "is done for and every queued message is lost.",
                r.queued(), Format.bytes(r.peakHeapBytes()), r.heap(), r.seconds());
        }
        return String.format(Locale.ROOT, "The queue grew to %,d messages (heap %s) in %.1f s without running out yet; "
            + "it would, given time.", r.queued(), Format.bytes(r.peakHeapBytes()), r.seconds());
    }

    private static String reasons(final Map<String, Long> byReason)
    {
        if (byReason.isEmpty())
        {
            return "";
        }
        final StringBuilder text = new StringBuilder(": ");
        byReason.forEach((reason, n) -> text.append(text.length() > 2 ? ", " : "").append(reason)
            .append(String.format(Locale.ROOT, " %,d", n)));
        return text.toString();
    }
}
