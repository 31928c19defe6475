package io.sluice.server.metrics;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders one frame of {@code sluice top} from two consecutive scrapes of a relay's {@code /metrics}: a header
 * with the relay's address, uptime and connection totals, then one row per stream and, under it, one row per
 * subscriber, largest lag first ({@link TopLanes}), then one row per bridge ({@link TopBridges}). Rates come from the
 * difference between the two scrapes. A subscriber row's THROTTLED is the blame: the share of its stream's
 * publishers' time its lane held them paused. Also the cell formats the other parts of the screen share.
 */
public final class TopScreen
{
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");
    /** An unknown figure. */
    static final String NONE = "-";
    private static final String[] HEADINGS =
        {"STREAM / SUBSCRIBER", "STRATEGY", "TIER", "STATE", "IN/s", "OUT/s", "WAITING", "LAG", "QUEUED", "MEMORY",
            "DISK", "SPILLED", "DROPPED", "THROTTLED", "PUBS", "SUBS"};
    /** Columns aligned left; the others are numbers, aligned right. */
    private static final int LEFT_ALIGNED = 4;

    /**
     * One scrape.
     *
     * @param text what {@code /metrics} answered.
     * @param nanoTime {@link System#nanoTime()} when the answer arrived.
     * @param time the local wall-clock time then.
     */
    public record Scrape(PrometheusText text, long nanoTime, LocalTime time)
    {
    }

    private TopScreen()
    {
    }

    /**
     * @param previous the scrape before, or null for the first frame (rates are then shown as "-").
     * @param current the latest scrape.
     * @param source where the scrapes come from, for the header.
     * @return the frame, lines separated by '\n', ending with one.
     */
    public static String render(final Scrape previous, final Scrape current, final String source)
    {
        final PrometheusText now = current.text();
        final PrometheusText before = previous == null ? null : previous.text();
        final double seconds = interval(previous, current);
        final StringBuilder out = new StringBuilder(2048);
        header(now, before, seconds, current.time(), source, out);
        final List<String[]> rows = rows(now, before, seconds);
        if (rows.size() == 1)
        {
            out.append("no streams yet: nothing has published or subscribed since the relay started\n");
        }
        else
        {
            table(rows, LEFT_ALIGNED, out);
        }
        TopBridges.render(now, before, seconds, out);
        return out.toString();
    }

    // Who, how long, and the relay-wide totals.
    private static void header(
        final PrometheusText now,
        final PrometheusText before,
        final double seconds,
        final LocalTime time,
        final String source,
        final StringBuilder out)
    {
        final String address = now.samples(MetricNames.RELAY_INFO).isEmpty() ? "?"
            : now.samples(MetricNames.RELAY_INFO).get(0).label("address");
        final String version = now.samples(MetricNames.RELAY_INFO).isEmpty() ? "?"
            : now.samples(MetricNames.RELAY_INFO).get(0).label("version");
        out.append("sluice relay ").append(address).append(" (").append(version).append(")")
            .append("   up ").append(duration(now.sum(MetricNames.RELAY_UPTIME)))
            .append("   ").append(source)
            .append("   ").append(CLOCK.format(time)).append('\n');

        final long publishers = (long)now.sum(MetricNames.PUBLISHERS);
        final long subscribers = (long)now.sum(MetricNames.SUBSCRIBERS);
        out.append("connections: ").append(publishers).append(publishers == 1 ? " publisher, " : " publishers, ")
            .append(subscribers).append(subscribers == 1 ? " subscriber, " : " subscribers, ")
            .append((long)now.sum(MetricNames.CONNECTIONS_OPENED)).append(" opened since start")
            .append("   buffered ").append(bytes(now.sum(MetricNames.BUFFERED_BYTES)))
            .append("   protocol errors: ").append((long)now.sum(MetricNames.PROTOCOL_ERRORS));
        if (before != null)
        {
            final double newErrors = now.sum(MetricNames.PROTOCOL_ERRORS) - before.sum(MetricNames.PROTOCOL_ERRORS);
            out.append(" (+").append((long)Math.max(0, newErrors)).append(" in ")
                .append(String.format(Locale.ROOT, "%.1fs", seconds)).append(')');
        }
        final StringBuilder codes = new StringBuilder();
        for (final PrometheusText.Sample s : now.samples(MetricNames.PROTOCOL_ERRORS))
        {
            if (s.value() > 0)
            {
                codes.append(codes.length() == 0 ? "" : ", ").append(s.label(MetricNames.CODE)).append(' ')
                    .append(count(s.value()));
            }
        }
        if (codes.length() > 0)
        {
            out.append(" [").append(codes).append(']');
        }
        out.append("\n\n");
    }

    // The headings, then per stream (largest lag first) its row and its subscribers' rows.
    private static List<String[]> rows(final PrometheusText now, final PrometheusText before, final double seconds)
    {
        final Map<String, List<TopLane>> lanesByStream = TopLanes.byStream(now, before);
        final List<String[]> rows = new ArrayList<>();
        rows.add(HEADINGS);
        final Map<String, Double> streamIn = TopLanes.sumByStream(now, MetricNames.STREAM_RECEIVED_MESSAGES);
        final Map<String, Double> streamInBefore =
            before == null ? Map.of() : TopLanes.sumByStream(before, MetricNames.STREAM_RECEIVED_MESSAGES);
        final Map<String, Double> throttled = TopLanes.sumByStream(now, MetricNames.STREAM_THROTTLED_SECONDS);
        final Map<String, Double> throttledBefore =
            before == null ? Map.of() : TopLanes.sumByStream(before, MetricNames.STREAM_THROTTLED_SECONDS);
        final Map<String, Double> streamPublishers = TopLanes.sumByStream(now, MetricNames.STREAM_PUBLISHERS);
        final Map<String, Double> streamSubscribers = TopLanes.sumByStream(now, MetricNames.STREAM_SUBSCRIBERS);
        for (final String stream : TopLanes.streamsByLag(streamIn.keySet(), lanesByStream))
        {
            final List<TopLane> lanes = lanesByStream.getOrDefault(stream, List.of());
            final double pubs = streamPublishers.getOrDefault(stream, 0.0);
            final TopLane sum = new TopLane("", "", null, "");
            boolean outKnown = !lanes.isEmpty() && before != null;
            double outRate = 0;
            for (final TopLane lane : lanes)
            {
                final double r = lane.rate(lane.sent, lane.sentBefore, seconds);
                outKnown &= !Double.isNaN(r);
                outRate += Double.isNaN(r) ? 0 : r;
                sum.add(lane);
            }
            final double throttledShare = before == null || seconds <= 0 || pubs <= 0 ? Double.NaN
                : (throttled.getOrDefault(stream, 0.0) - throttledBefore.getOrDefault(stream, 0.0)) / (seconds * pubs);
            final boolean any = !lanes.isEmpty();
            rows.add(new String[] {
                stream,
                sum.strategy == null ? NONE : sum.strategy,
                "",
                "",
                rate(streamIn.get(stream), streamInBefore.get(stream), seconds),
                outKnown ? count(outRate) : NONE,
                any ? count(sum.waiting) : NONE,
                any ? lag(TopLanes.largestLag(lanes)) : NONE,
                any ? fill(sum.queued, sum.queuedFill) : NONE,
                any ? fill(sum.memory, sum.memoryFill) : NONE,
                any ? fill(sum.disk, sum.diskFill) : NONE,
                any ? count(sum.spilled) : NONE,
                any ? count(sum.dropped) : NONE,
                percent(throttledShare),
                count(pubs),
                count(streamSubscribers.getOrDefault(stream, (double)lanes.size()))});
            for (final TopLane lane : lanes)
            {
                rows.add(laneRow(lane, before, seconds, pubs));
            }
        }
        return rows;
    }

    private static String[] laneRow(
        final TopLane lane, final PrometheusText before, final double seconds, final double pubs)
    {
        return new String[] {
            "  " + lane.subscriber + (lane.subscription.isEmpty() ? "" : " [" + lane.subscription + "]"),
            lane.strategy,
            lane.tier,
            lane.state,
            format(lane.rate(lane.accepted, lane.acceptedBefore, seconds)),
            format(lane.rate(lane.sent, lane.sentBefore, seconds)),
            count(lane.waiting),
            lag(lane.lag),
            fill(lane.queued, lane.queuedFill),
            fill(lane.memory, lane.memoryFill),
            fill(lane.disk, lane.diskFill),
            count(lane.spilled),
            count(lane.dropped),
            percent(before == null || seconds <= 0 || lane.heldBefore == null ? Double.NaN
                : (lane.held - lane.heldBefore) / (seconds * Math.max(1, pubs))),
            "", ""};
    }

    /** The seconds between two scrapes, by the relay's own clock when it is in both, else by ours. */
    private static double interval(final Scrape previous, final Scrape current)
    {
        if (previous == null)
        {
            return 0;
        }
        final PrometheusText now = current.text();
        final PrometheusText before = previous.text();
        final double relaySeconds = now.sum(MetricNames.RELAY_UPTIME) - before.sum(MetricNames.RELAY_UPTIME);
        if (relaySeconds > 0 && now.has(MetricNames.RELAY_UPTIME) && before.has(MetricNames.RELAY_UPTIME))
        {
            return relaySeconds;
        }
        return (current.nanoTime() - previous.nanoTime()) / 1e9;
    }

    /** Bytes, then how full (right-aligned in four characters, blank when there is no limit). */
    private static String fill(final double bytes, final double share)
    {
        // Not clamped: a lane may pass its limit by up to a run per publisher (docs/architecture.md).
        final String pct = Double.isNaN(share) ? "" : String.format(Locale.ROOT, "%.0f%%", share * 100);
        return bytes(bytes) + " " + " ".repeat(Math.max(0, 4 - pct.length())) + pct;
    }

    static String rate(final Double now, final Double before, final double seconds)
    {
        if (now == null || before == null || seconds <= 0 || now < before)
        {
            return NONE;
        }
        return count((now - before) / seconds);
    }

    private static String format(final double rate)
    {
        return Double.isNaN(rate) ? NONE : count(rate);
    }

    /**
     * Aligns the name columns left and the numbers right, two spaces between columns.
     *
     * @param rows the headings, then the rows.
     * @param leftAligned how many columns, from the first, are names.
     * @param out where the lines go.
     */
    static void table(final List<String[]> rows, final int leftAligned, final StringBuilder out)
    {
        final int columns = rows.get(0).length;
        final int[] widths = new int[columns];
        for (final String[] row : rows)
        {
            for (int c = 0; c < columns; c++)
            {
                widths[c] = Math.max(widths[c], row[c].length());
            }
        }
        for (final String[] row : rows)
        {
            final StringBuilder line = new StringBuilder();
            for (int c = 0; c < columns; c++)
            {
                if (c > 0)
                {
                    line.append("  ");
                }
                final String cell = row[c];
                final String pad = " ".repeat(widths[c] - cell.length());
                if (c < leftAligned)
                {
                    line.append(cell).append(pad);
                }
                else
                {
                    line.append(pad).append(cell);
                }
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
    }

    /**
     * @param n a count or a rate.
     * @return it in at most four characters and a suffix: 950, 1.20k, 12.3k, 123k, 1.23M, 4.50G.
     */
    static String count(final double n)
    {
        if (Double.isNaN(n))
        {
            return NONE;
        }
        final double v = Math.abs(n);
        if (v < 999.5)
        {
            return Long.toString(Math.round(n));
        }
        final String[] suffixes = {"k", "M", "G", "T"};
        double scaled = n / 1000;
        int i = 0;
        while (Math.abs(scaled) >= 999.5 && i < suffixes.length - 1)
        {
            scaled /= 1000;
            i++;
        }
        return significant(scaled) + suffixes[i];
    }

    /**
     * @param n bytes.
     * @return them in binary units: 0 B, 512 B, 1.50 KiB, 256 KiB, 12.3 MiB.
     */
    static String bytes(final double n)
    {
        if (Double.isNaN(n))
        {
            return NONE;
        }
        if (Math.abs(n) < 1024)
        {
            return Math.round(n) + " B";
        }
        final String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double scaled = n / 1024;
        int i = 0;
        while (Math.abs(scaled) >= 1023.5 && i < units.length - 1)
        {
            scaled /= 1024;
            i++;
        }
        return significant(scaled) + " " + units[i];
    }

    private static String significant(final double v)
    {
        final double a = Math.abs(v);
        if (a >= 99.95)
        {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 9.995)
        {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    /**
     * @param seconds a lag.
     * @return it as 0.00s, 1.25s, 12.5s, then as {@link #duration}; "-" when not known.
     */
    static String lag(final double seconds)
    {
        if (Double.isNaN(seconds) || seconds < 0)
        {
            return NONE;
        }
        if (seconds < 10)
        {
            return String.format(Locale.ROOT, "%.2fs", seconds);
        }
        return seconds < 60 ? String.format(Locale.ROOT, "%.1fs", seconds) : duration(seconds);
    }

    private static String percent(final double share)
    {
        if (Double.isNaN(share) || Double.isInfinite(share))
        {
            return NONE;
        }
        // Throttled time is counted when a pause ends, so one interval can carry a pause that began earlier.
        final double clamped = Math.max(0, Math.min(1, share));
        return String.format(Locale.ROOT, "%.0f%%", clamped * 100);
    }

    /**
     * @param seconds a duration.
     * @return it as 42s, 5m07s, 1h02m or 3d04h.
     */
    static String duration(final double seconds)
    {
        if (Double.isNaN(seconds) || seconds < 0)
        {
            return NONE;
        }
        final long s = (long)seconds;
        if (s < 60)
        {
            return s + "s";
        }
        if (s < 3600)
        {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        if (s < 86400)
        {
            return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
        }
        return String.format(Locale.ROOT, "%dd%02dh", s / 86400, s % 86400 / 3600);
    }
}
