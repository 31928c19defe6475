package io.sluice.server.metrics;

import org.junit.jupiter.api.Test;

import java.time.LocalTime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A frame of {@code sluice top} from two hand-written scrapes a second apart: streams and lanes come largest lag
 * first, each lane shows its state and lag, and its THROTTLED column is its share of the blame.
 */
class TopScreenTest
{
    private static String lane(final String stream, final String subscriber)
    {
        return "{stream=\"" + stream + "\",subscriber=\"" + subscriber + "\",subscription=\"\",strategy=\"throttle\"";
    }

    private static String scrape(final double uptime, final double sent, final double held, final double throttled)
    {
        final StringBuilder b = new StringBuilder();
        b.append("sluice_relay_info{address=\"127.0.0.1:7440\",version=\"t\"} 1\n");
        b.append("sluice_relay_uptime_seconds ").append(uptime).append('\n');
        for (final String stream : new String[] {"audit", "prices"})
        {
            b.append("sluice_stream_received_messages_total{stream=\"").append(stream).append("\"} ").append(sent)
                .append('\n');
            b.append("sluice_stream_publishers{stream=\"").append(stream).append("\"} 2\n");
            b.append("sluice_stream_subscribers{stream=\"").append(stream).append("\"} 2\n");
            b.append("sluice_stream_throttled_seconds_total{stream=\"").append(stream).append("\"} ")
                .append("prices".equals(stream) ? throttled : 0).append('\n');
        }
        // audit: both lanes flowing; prices: the slow lane (b) holds the publishers and lags 12.5 s.
        b.append("sluice_subscriber_sent_messages_total").append(lane("audit", "10.0.0.1:1")).append("} ")
            .append(sent).append('\n');
        b.append("sluice_subscriber_sent_messages_total").append(lane("audit", "10.0.0.1:2")).append("} ")
            .append(sent).append('\n');
        b.append("sluice_subscriber_sent_messages_total").append(lane("prices", "10.0.0.2:1")).append("} ")
            .append(sent).append('\n');
        b.append("sluice_subscriber_sent_messages_total").append(lane("prices", "10.0.0.2:2")).append("} ")
            .append(sent).append('\n');
        b.append("sluice_subscriber_lag_seconds").append(lane("audit", "10.0.0.1:1")).append("} 0\n");
        b.append("sluice_subscriber_lag_seconds").append(lane("audit", "10.0.0.1:2")).append("} 0.25\n");
        b.append("sluice_subscriber_lag_seconds").append(lane("prices", "10.0.0.2:1")).append("} 0\n");
        b.append("sluice_subscriber_lag_seconds").append(lane("prices", "10.0.0.2:2")).append("} 12.5\n");
        b.append("sluice_producer_throttled_seconds_total").append(lane("prices", "10.0.0.2:2")).append("} ")
            .append(held).append('\n');
        b.append("sluice_producer_throttled_seconds_total").append(lane("prices", "10.0.0.2:1")).append("} 0\n");
        b.append("sluice_subscriber_state").append(lane("prices", "10.0.0.2:2")).append(",state=\"throttling\"} 1\n");
        b.append("sluice_subscriber_state").append(lane("prices", "10.0.0.2:2")).append(",state=\"flowing\"} 0\n");
        b.append("sluice_subscriber_state").append(lane("prices", "10.0.0.2:1")).append(",state=\"flowing\"} 1\n");
        return b.toString();
    }

    @Test
    void largestLagFirstWithStateLagAndBlame()
    {
        final TopScreen.Scrape before = new TopScreen.Scrape(PrometheusText.parse(scrape(10, 1000, 3, 3)), 0,
            LocalTime.NOON);
        final TopScreen.Scrape after = new TopScreen.Scrape(PrometheusText.parse(scrape(11, 2000, 4, 4)),
            1_000_000_000L, LocalTime.NOON);
        final String[] lines = TopScreen.render(before, after, "test").split("\n");
        int heading = 0;
        while (!lines[heading].startsWith("STREAM / SUBSCRIBER"))
        {
            heading++;
        }
        final String header = lines[heading];
        assertTrue(header.contains(" STATE ") && header.contains(" LAG "), header);
        assertTrue(lines[heading + 1].startsWith("prices "),
            "the stream with the largest lag first:\n" + String.join("\n", lines));
        final String slow = lines[heading + 2];
        assertTrue(slow.startsWith("  10.0.0.2:2 "), "its slowest lane first: " + slow);
        assertTrue(slow.contains(" throttling "), slow);
        assertTrue(slow.contains(" 12.5s "), slow);
        // Held the two publishers one second of two publisher-seconds: half of their time.
        assertEquals("50%", column(header, slow, "THROTTLED"), slow);
        assertEquals("0%", column(header, lines[heading + 3], "THROTTLED"), lines[heading + 3]);
        assertEquals("12.5s", column(header, lines[heading + 1], "LAG"), "a stream's lag is its largest lane's");
        assertEquals("50%", column(header, lines[heading + 1], "THROTTLED"));
        assertTrue(lines[heading + 4].startsWith("audit "), lines[heading + 4]);
        assertTrue(lines[heading + 5].startsWith("  10.0.0.1:2 "), "0.25 s before 0: " + lines[heading + 5]);
        assertEquals("0.25s", TopScreen.lag(0.25));
        assertEquals("5m07s", TopScreen.lag(307));
        assertEquals("-", TopScreen.lag(Double.NaN));
    }

    // The right-aligned cell under a heading.
    private static String column(final String header, final String row, final String heading)
    {
        final int end = header.indexOf(heading) + heading.length();
        int start = end;
        while (start > 0 && row.charAt(start - 1) != ' ')
        {
            start--;
        }
        return row.substring(start, end);
    }
}
