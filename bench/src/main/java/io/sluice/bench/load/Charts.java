package io.sluice.bench.load;

import org.HdrHistogram.Histogram;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * PNG charts of a set of runs (XChart, headless): delivered throughput over time, the latency percentile
 * distribution, and the relay's memory over time.
 */
public final class Charts
{
    private static final int WIDTH = 900;
    private static final int HEIGHT = 480;
    private static final double MIB = 1024.0 * 1024.0;

    private Charts()
    {
    }

    /**
     * A line on a time chart: a name and its points.
     *
     * @param name legend text.
     * @param points one a second.
     */
    public record Series(String name, List<RunResult.Point> points)
    {
    }

    /**
     * Throughput over time: messages delivered per second (and, dashed, sent per second when {@code withSent}).
     *
     * @param file the PNG to write.
     * @param title chart title.
     * @param series one per run.
     * @return the file.
     * @throws IOException when it cannot be written.
     */
    public static Path throughput(final Path file, final String title, final List<Series> series) throws IOException
    {
        return timeChart(file, title, "delivered msg/s", series, RunResult.Point::outPerSecond, false);
    }

    /**
     * Relay memory over time, in MiB.
     *
     * @param file the PNG to write.
     * @param title chart title.
     * @param series one per run.
     * @return the file.
     * @throws IOException when it cannot be written.
     */
    public static Path memory(final Path file, final String title, final List<Series> series) throws IOException
    {
        return timeChart(file, title, "memory held, MiB", series, p -> p.memoryBytes() / MIB, false);
    }

    /**
     * The latency percentile distribution of each run, on HdrHistogram's usual axis: 1 / (1 - percentile), so that
     * p90, p99, p99.9 are evenly spaced.
     *
     * @param file the PNG to write.
     * @param title chart title.
     * @param names legend text, one per histogram.
     * @param histograms latencies in microseconds.
     * @return the file.
     * @throws IOException when it cannot be written.
     */
    public static Path percentiles(final Path file, final String title, final List<String> names,
        final List<Histogram> histograms) throws IOException
    {
        final XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
            .xAxisTitle("percentile (10 = p90, 100 = p99, 1000 = p99.9, 10000 = p99.99)").yAxisTitle("latency, ms")
            .build();
        style(chart);
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(true);
        for (int i = 0; i < names.size(); i++)
        {
            final Histogram histogram = histograms.get(i);
            if (histogram.getTotalCount() == 0)
            {
                continue;
            }
            final List<Double> x = new ArrayList<>();
            final List<Double> y = new ArrayList<>();
            for (double p = 0; p <= 99.999; p = 100 - (100 - p) / 1.25)
            {
                x.add(1 / (1 - p / 100));
                // Log axis: keep zero out of it.
                y.add(Math.max(0.001, histogram.getValueAtPercentile(p) / 1000.0));
            }
            addLine(chart, names.get(i), x, y);
        }
        return save(chart, file);
    }

    private static Path timeChart(final Path file, final String title, final String yTitle, final List<Series> series,
        final ToDoubleFunction<RunResult.Point> value, final boolean logarithmic) throws IOException
    {
        final XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
            .xAxisTitle("seconds since the run started").yAxisTitle(yTitle).build();
        style(chart);
        chart.getStyler().setYAxisLogarithmic(logarithmic);
        for (final Series s : series)
        {
            if (s.points().isEmpty())
            {
                continue;
            }
            final List<Double> x = new ArrayList<>();
            final List<Double> y = new ArrayList<>();
            for (final RunResult.Point point : s.points())
            {
                x.add(point.seconds());
                y.add(value.applyAsDouble(point));
            }
            addLine(chart, s.name(), x, y);
        }
        return save(chart, file);
    }

    private static void addLine(final XYChart chart, final String name, final List<Double> x, final List<Double> y)
    {
        final XYSeries line = chart.addSeries(name, x, y);
        line.setMarker(SeriesMarkers.NONE);
    }

    private static void style(final XYChart chart)
    {
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setPlotGridLinesVisible(true);
        chart.getStyler().setAntiAlias(true);
        chart.getStyler().setSeriesColors(PALETTE);
    }

    // Ten distinct colours (the default theme repeats a yellow within the seven runs of max-throughput).
    private static final java.awt.Color[] PALETTE = {
        new java.awt.Color(0x1f77b4), new java.awt.Color(0xff7f0e), new java.awt.Color(0x2ca02c),
        new java.awt.Color(0xd62728), new java.awt.Color(0x9467bd), new java.awt.Color(0x8c564b),
        new java.awt.Color(0xe377c2), new java.awt.Color(0x7f7f7f), new java.awt.Color(0xbcbd22),
        new java.awt.Color(0x17becf)};

    private static Path save(final XYChart chart, final Path file) throws IOException
    {
        System.setProperty("java.awt.headless", "true");
        if (chart.getSeriesMap().isEmpty())
        {
            // XChart cannot draw an empty chart; a run with nothing to show still gets a file that says so.
            chart.addSeries("no data", new double[] {0}, new double[] {0});
        }
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        final String name = file.toString();
        return name.endsWith(".png") ? file : Path.of(name + ".png");
    }
}
