package io.sluice.bench.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The demo's results as one HTML file beside its PNGs and demo.json: what was run, the table the demo prints with the
 * sentence for each strategy, and the charts, referenced by relative name so that the folder can be moved or shared
 * whole. No script, nothing fetched from elsewhere.
 */
public final class DemoReport
{
    private DemoReport()
    {
    }

    /**
     * @param file the HTML file to write.
     * @param intro what was run, one sentence.
     * @param machine the machine, one line.
     * @param results the relay runs.
     * @param settings each strategy's stream settings as config text on one line.
     * @param ignore the unbounded-queue baseline, or null.
     * @param charts the charts' file names in the same folder, each with its caption; in the order to show them.
     * @return the file.
     * @throws IOException when it cannot be written.
     */
    public static Path write(
        final Path file,
        final String intro,
        final String machine,
        final List<RunResult> results,
        final Map<String, String> settings,
        final UnboundedQueueBaseline.Result ignore,
        final Map<String, String> charts)
        throws IOException
    {
        final StringBuilder html = new StringBuilder(16 * 1024);
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .append("<title>sluice demo</title>\n<style>\n")
            .append("body{font:14px/1.45 system-ui,sans-serif;color:#1d2433;margin:24px auto;max-width:1640px;")
            .append("padding:0 16px}\n")
            .append("table{border-collapse:collapse;margin:16px 0}")
            .append("th,td{padding:4px 10px;border-bottom:1px solid #d8dde6;")
            .append("text-align:right;vertical-align:top}th{background:#f3f5f9}td.l,th.l{text-align:left}")
            .append("td{white-space:nowrap}td.why,td.l+td.l{white-space:normal}")
            .append("td.why{text-align:left;color:#475467;max-width:560px}")
            .append("img{max-width:100%;display:block;margin:12px 0}")
            .append(".muted{color:#667085}\n</style>\n</head>\n<body>\n")
            .append("<h1>sluice demo</h1>\n<p>").append(escape(intro)).append("</p>\n<p class=\"muted\">")
            .append(escape(machine)).append("</p>\n");
        boolean first = true;
        for (final Map.Entry<String, String> chart : charts.entrySet())
        {
            html.append("<figure><img src=\"").append(escape(chart.getKey())).append("\" alt=\"")
                .append(escape(chart.getValue())).append("\"><figcaption class=\"muted\">")
                .append(escape(chart.getValue())).append("</figcaption></figure>\n");
            if (first)
            {
                table(html, results, settings, ignore);
                first = false;
            }
        }
        if (first)
        {
            table(html, results, settings, ignore);
        }
        html.append("<p class=\"muted\">Every run as JSON: <a href=\"demo.json\">demo.json</a>")
            .append(" (schema in docs/bench.md).</p>\n</body>\n</html>\n");
        Files.writeString(file, html, StandardCharsets.UTF_8);
        return file;
    }

    private static void table(
        final StringBuilder html,
        final List<RunResult> results,
        final Map<String, String> settings,
        final UnboundedQueueBaseline.Result ignore)
    {
        html.append("<table>\n<tr><th class=\"l\">strategy</th><th class=\"l\">settings</th><th>sent</th>")
            .append("<th>delivered</th><th>dropped</th><th>left</th><th>peak memory</th><th>p99</th>")
            .append("<th class=\"l\">what happened</th></tr>\n");
        for (final RunResult r : results)
        {
            final long relayDropped = r.droppedByReason().values().stream().mapToLong(Long::longValue).sum();
            row(html, r.strategy(), settings.getOrDefault(r.strategy(), ""), count(r.sent()), count(r.delivered()),
                count(Math.max(r.dropped(), relayDropped)), count(r.left()), Format.bytes(r.peakMemoryBytes()),
                Format.micros(r.latency(99)), Verdict.of(r));
        }
        if (ignore != null)
        {
            row(html, "ignore", "unbounded queue, -Xmx" + ignore.heap(), count(ignore.sent()),
                count(ignore.delivered()), ignore.outOfMemory() ? "all queued" : "0", count(ignore.queued()),
                Format.bytes(ignore.peakHeapBytes()) + " heap", Format.micros(ignore.p99Micros()), Verdict.of(ignore));
        }
        html.append("</table>\n<p class=\"muted\">left: on its way when the demo moved on; sent = delivered + dropped")
            .append(" + left. Latency is from each message's intended send time, so time a producer was held back")
            .append(" counts.</p>\n");
    }

    private static void row(final StringBuilder html, final String... cells)
    {
        html.append("<tr>");
        for (int i = 0; i < cells.length; i++)
        {
            final String cls = i < 2 ? " class=\"l\"" : i == cells.length - 1 ? " class=\"why\"" : "";
            html.append("<td").append(cls).append('>').append(escape(cells[i])).append("</td>");
        }
        html.append("</tr>\n");
    }

    private static String count(final long n)
    {
        return String.format(Locale.ROOT, "%,d", n);
    }

    static String escape(final String text)
    {
        final StringBuilder b = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            switch (c)
            {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
