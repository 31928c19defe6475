package io.sluice.bench.load;

import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The demo's picture: small multiples, one panel per strategy, every panel on the same axes (time from zero, messages
 * per second from zero on the left, memory held in MiB from zero on the right), so that the strategies can be told
 * apart at a glance: what the producer offered (dashed) against what it got to send and what the consumer got, what
 * was dropped or spilled per second, and the memory held, which stays flat for every strategy and climbs to the heap's
 * limit for the unbounded queue.
 */
public final class StrategyPanels
{
    private static final int PANEL_WIDTH = 400;
    private static final int PANEL_HEIGHT = 250;
    private static final int COLUMNS = 4;
    private static final int HEADER = 58;
    private static final double MIB = 1024.0 * 1024.0;

    private static final Color OFFERED = new Color(0x8a8f98);
    private static final Color SENT = new Color(0x2f6fd6);
    private static final Color DELIVERED = new Color(0x2e9d5b);
    private static final Color DROPPED = new Color(0xd0342c);
    private static final Color SPILLED = new Color(0xe08a00);
    private static final Color MEMORY = new Color(0x7a2e8e);
    private static final Color LIMIT = new Color(0x7a2e8e);

    private StrategyPanels()
    {
    }

    /**
     * One panel.
     *
     * @param title the strategy, and what ended it if anything did.
     * @param points one a second.
     * @param offeredRate what the producer's schedule asked for, messages per second.
     * @param offeredSeconds how long the schedule ran.
     * @param limitBytes a memory limit to draw (the unbounded queue's heap), or 0.
     * @param diedAtSeconds when the process ran out of memory, drawn as a line; 0 when it did not.
     */
    public record Panel(String title, List<RunResult.Point> points, double offeredRate, double offeredSeconds,
                        long limitBytes, double diedAtSeconds)
    {
    }

    /**
     * Writes the panels as one PNG.
     *
     * @param file the PNG to write.
     * @param title the picture's title.
     * @param panels one per strategy, in order.
     * @return the file.
     * @throws IOException when it cannot be written.
     */
    public static Path write(final Path file, final String title, final List<Panel> panels) throws IOException
    {
        System.setProperty("java.awt.headless", "true");
        double seconds = 1;
        double rate = 1;
        double mib = 1;
        for (final Panel panel : panels)
        {
            rate = Math.max(rate, panel.offeredRate());
            mib = Math.max(mib, panel.limitBytes() / MIB);
            seconds = Math.max(seconds, panel.diedAtSeconds());
            for (final RunResult.Point point : panel.points())
            {
                seconds = Math.max(seconds, point.seconds());
                rate = Math.max(rate, Math.max(point.inPerSecond(), point.outPerSecond()));
                mib = Math.max(mib, point.memoryBytes() / MIB);
            }
            for (final double r : perSecond(panel.points(), true))
            {
                rate = Math.max(rate, r);
            }
            for (final double r : perSecond(panel.points(), false))
            {
                rate = Math.max(rate, r);
            }
        }
        final int rows = Math.max(1, (panels.size() + COLUMNS - 1) / COLUMNS);
        final int columns = Math.min(COLUMNS, Math.max(1, panels.size()));
        final BufferedImage image = new BufferedImage(columns * PANEL_WIDTH, HEADER + rows * PANEL_HEIGHT,
            BufferedImage.TYPE_INT_RGB);
        final Graphics2D g = image.createGraphics();
        try
        {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            header(g, title);
            for (int i = 0; i < panels.size(); i++)
            {
                final XYChart chart = chart(panels.get(i), seconds * 1.02, rate * 1.08, mib * 1.08);
                g.drawImage(BitmapEncoder.getBufferedImage(chart), (i % COLUMNS) * PANEL_WIDTH,
                    HEADER + (i / COLUMNS) * PANEL_HEIGHT, null);
            }
        }
        finally
        {
            g.dispose();
        }
        ImageIO.write(image, "png", file.toFile());
        return file;
    }

    private static void header(final Graphics2D g, final String title)
    {
        g.setColor(new Color(0x1d2433));
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title, 12, 22);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        int x = 12;
        final int y = 44;
        x = swatch(g, x, y, OFFERED, true, "producer offered, msg/s");
        x = swatch(g, x, y, SENT, false, "producer sent");
        x = swatch(g, x, y, DELIVERED, false, "consumer got");
        x = swatch(g, x, y, DROPPED, false, "dropped/s");
        x = swatch(g, x, y, SPILLED, false, "spilled to disk/s");
        x = swatch(g, x, y, MEMORY, false, "memory held, MiB (right axis)");
        swatch(g, x, y, LIMIT, true, "heap limit");
    }

    private static int swatch(final Graphics2D g, final int x, final int y, final Color color, final boolean dashed,
        final String label)
    {
        g.setColor(color);
        g.setStroke(dashed ? new BasicStroke(2, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {5, 3}, 0)
            : new BasicStroke(2));
        g.drawLine(x, y - 4, x + 22, y - 4);
        g.setColor(new Color(0x1d2433));
        g.drawString(label, x + 27, y);
        return x + 27 + g.getFontMetrics().stringWidth(label) + 18;
    }

    private static XYChart chart(final Panel panel, final double seconds, final double rate, final double mib)
    {
        final XYChart chart = new XYChartBuilder().width(PANEL_WIDTH).height(PANEL_HEIGHT).title(panel.title())
            .xAxisTitle("seconds").build();
        final var styler = chart.getStyler();
        styler.setLegendVisible(false);
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotGridLinesVisible(true);
        styler.setAntiAlias(true);
        styler.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        styler.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        styler.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        styler.setXAxisMin(0.0);
        styler.setXAxisMax(seconds);
        styler.setYAxisMin(0, 0.0);
        styler.setYAxisMax(0, rate);
        styler.setYAxisMin(1, 0.0);
        styler.setYAxisMax(1, mib);
        styler.setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
        styler.setyAxisTickLabelsFormattingFunction(StrategyPanels::tick);
        chart.setYAxisGroupTitle(0, "msg/s");
        chart.setYAxisGroupTitle(1, "MiB");

        final List<RunResult.Point> points = panel.points();
        if (points.isEmpty())
        {
            // XChart cannot draw an empty chart; a run with nothing to show still gets a panel.
            line(chart, "no data", List.of(0.0), List.of(0.0), OFFERED, false, 0);
            return chart;
        }
        final List<Double> x = new ArrayList<>();
        final List<Double> offered = new ArrayList<>();
        final List<Double> sent = new ArrayList<>();
        final List<Double> delivered = new ArrayList<>();
        final List<Double> memory = new ArrayList<>();
        double previous = 0;
        for (final RunResult.Point point : points)
        {
            x.add(point.seconds());
            offered.add(offered(panel, previous, point.seconds()));
            sent.add(point.inPerSecond());
            delivered.add(point.outPerSecond());
            memory.add(point.memoryBytes() / MIB);
            previous = point.seconds();
        }
        line(chart, "offered", x, offered, OFFERED, true, 0);
        final List<Double> dropped = perSecond(points, true);
        if (dropped.stream().anyMatch(v -> v > 0))
        {
            line(chart, "dropped/s", x, dropped, DROPPED, false, 0);
        }
        final List<Double> spilled = perSecond(points, false);
        if (spilled.stream().anyMatch(v -> v > 0))
        {
            line(chart, "spilled/s", x, spilled, SPILLED, false, 0);
        }
        line(chart, "sent", x, sent, SENT, false, 0);
        line(chart, "got", x, delivered, DELIVERED, false, 0);
        line(chart, "memory", x, memory, MEMORY, false, 1);
        if (panel.limitBytes() > 0)
        {
            line(chart, "limit", List.of(0.0, seconds), List.of(panel.limitBytes() / MIB, panel.limitBytes() / MIB),
                LIMIT, true, 1);
        }
        if (panel.diedAtSeconds() > 0)
        {
            styler.setAnnotationLineColor(DROPPED);
            styler.setAnnotationLineStroke(new BasicStroke(2));
            styler.setAnnotationTextFontColor(DROPPED);
            styler.setAnnotationTextFont(new Font(Font.SANS_SERIF, Font.BOLD, 11));
            chart.addAnnotation(new AnnotationLine(panel.diedAtSeconds(), true, false));
            // Text is centred on x: end it at the line.
            chart.addAnnotation(new AnnotationText(
                "OutOfMemoryError", panel.diedAtSeconds() - seconds * 0.17, rate * 0.75, false));
        }
        return chart;
    }

    /** The schedule's average rate over {@code (from, to]}: the rate while it ran, 0 after. */
    private static double offered(final Panel panel, final double from, final double to)
    {
        if (to <= from)
        {
            return 0;
        }
        final double overlap = Math.max(0, Math.min(to, panel.offeredSeconds()) - Math.max(from, 0));
        return panel.offeredRate() * overlap / (to - from);
    }

    /** Dropped (or spilled) per second between consecutive points, from the running totals. */
    private static List<Double> perSecond(final List<RunResult.Point> points, final boolean dropped)
    {
        final List<Double> rates = new ArrayList<>(points.size());
        double previousSeconds = 0;
        long previousTotal = 0;
        for (final RunResult.Point point : points)
        {
            final long total = dropped ? point.dropped() : point.spilled();
            final double dt = point.seconds() - previousSeconds;
            rates.add(dt <= 0 ? 0 : Math.max(0, total - previousTotal) / dt);
            previousSeconds = point.seconds();
            previousTotal = total;
        }
        return rates;
    }

    private static void line(final XYChart chart, final String name, final List<Double> x, final List<Double> y,
        final Color color, final boolean dashed, final int axis)
    {
        final XYSeries series = chart.addSeries(name, x, y);
        series.setMarker(SeriesMarkers.NONE);
        series.setLineColor(color);
        series.setLineStyle(dashed ? SeriesLines.DASH_DASH : SeriesLines.SOLID);
        series.setYAxisGroup(axis);
    }

    private static String tick(final Double value)
    {
        final double v = value;
        if (Math.abs(v) >= 1_000_000)
        {
            return String.format(Locale.ROOT, "%.1fM", v / 1_000_000);
        }
        if (Math.abs(v) >= 1_000)
        {
            return String.format(Locale.ROOT, "%.0fk", v / 1_000);
        }
        return v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }
}
