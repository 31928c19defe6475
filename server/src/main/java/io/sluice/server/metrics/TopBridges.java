package io.sluice.server.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bridges' part of a {@code sluice top} frame: one row per bridge, after the streams, when the relay has any.
 */
final class TopBridges
{
    private static final String[] HEADINGS =
        {"BRIDGE", "TYPE", "STREAM", "TARGET", "STATE", "SENT/s", "CONFIRMED/s", "IN FLIGHT", "FAILED", "PAUSED",
            "LAG"};
    private static final int LEFT_ALIGNED = 5;

    private TopBridges()
    {
    }

    static void render(final PrometheusText now, final PrometheusText before, final double seconds,
        final StringBuilder out)
    {
        final List<PrometheusText.Sample> infos = now.samples(MetricNames.BRIDGE_INFO);
        if (infos.isEmpty())
        {
            return;
        }
        final Map<String, Double> up = byBridge(now, MetricNames.BRIDGE_UP);
        final Map<String, Double> sent = byBridge(now, MetricNames.BRIDGE_SENT);
        final Map<String, Double> sentBefore = byBridge(before, MetricNames.BRIDGE_SENT);
        final Map<String, Double> confirmed = byBridge(now, MetricNames.BRIDGE_CONFIRMED);
        final Map<String, Double> confirmedBefore = byBridge(before, MetricNames.BRIDGE_CONFIRMED);
        final Map<String, Double> inFlight = byBridge(now, MetricNames.BRIDGE_IN_FLIGHT);
        final Map<String, Double> failed = byBridge(now, MetricNames.BRIDGE_FAILED);
        final Map<String, Double> paused = byBridge(now, MetricNames.BRIDGE_PAUSED_PARTITIONS);
        final Map<String, Double> lag = byBridge(now, MetricNames.BRIDGE_LAG);
        final List<String[]> rows = new ArrayList<>();
        rows.add(HEADINGS);
        for (final PrometheusText.Sample info : infos)
        {
            final String name = info.label(MetricNames.BRIDGE);
            rows.add(new String[] {
                name,
                info.label(MetricNames.TYPE),
                info.label(MetricNames.STREAM),
                info.label(MetricNames.TARGET),
                up.getOrDefault(name, 0.0) > 0 ? "up" : "DOWN",
                TopScreen.rate(sent.get(name), sentBefore.get(name), seconds),
                TopScreen.rate(confirmed.get(name), confirmedBefore.get(name), seconds),
                TopScreen.count(inFlight.getOrDefault(name, 0.0)),
                TopScreen.count(failed.getOrDefault(name, 0.0)),
                TopScreen.count(paused.getOrDefault(name, 0.0)),
                lag.containsKey(name) ? TopScreen.count(lag.get(name)) : "-"});
        }
        out.append('\n');
        TopScreen.table(rows, LEFT_ALIGNED, out);
    }

    private static Map<String, Double> byBridge(final PrometheusText text, final String name)
    {
        final Map<String, Double> map = new LinkedHashMap<>();
        if (text != null)
        {
            for (final PrometheusText.Sample s : text.samples(name))
            {
                map.merge(s.label(MetricNames.BRIDGE), s.value(), Double::sum);
            }
        }
        return map;
    }
}
