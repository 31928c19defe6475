package io.sluice.bench.load;

import java.util.Locale;

/** Human-readable figures for progress lines and tables. */
public final class Format
{
    private Format()
    {
    }

    /**
     * @param bytes a byte count.
     * @return e.g. {@code 812 B}, {@code 4.0 MiB}.
     */
    public static String bytes(final long bytes)
    {
        if (bytes < 1024)
        {
            return bytes + " B";
        }
        if (bytes < 1024 * 1024)
        {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        if (bytes < 1024L * 1024 * 1024)
        {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
        }
        return String.format(Locale.ROOT, "%.2f GiB", bytes / (1024.0 * 1024 * 1024));
    }

    /**
     * @param micros a latency in microseconds.
     * @return e.g. {@code 85 µs}, {@code 12.3 ms}, {@code 2.51 s}.
     */
    public static String micros(final long micros)
    {
        if (micros < 1_000)
        {
            return micros + " µs";
        }
        if (micros < 1_000_000)
        {
            return String.format(Locale.ROOT, "%.1f ms", micros / 1e3);
        }
        return String.format(Locale.ROOT, "%.2f s", micros / 1e6);
    }

    /**
     * @param perSecond a rate.
     * @return e.g. {@code 1,234,567}.
     */
    public static String rate(final double perSecond)
    {
        return String.format(Locale.ROOT, "%,.0f", perSecond);
    }
}
