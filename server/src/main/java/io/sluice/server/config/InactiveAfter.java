package io.sluice.server.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code inactive-after}: how long a durable subscription may go without a connection before the relay deletes
 * its disk tier. Its own parser because the useful values are hours and days, which the relay's other durations
 * (milliseconds to minutes) do not take, and because "never" must be sayable.
 */
public final class InactiveAfter
{
    /** Keep durable subscriptions for ever: the default, since deleting acknowledged messages must be asked for. */
    public static final long NEVER = 0;

    private static final Pattern NUMBER_AND_UNIT = Pattern.compile("([0-9]+)\\s*([a-zA-Z]*)");

    private InactiveAfter()
    {
    }

    /**
     * @param text {@code never}, {@code 0}, or a whole number with {@code ms}, {@code s}, {@code m}, {@code h} or
     *             {@code d} ({@code 7d}, {@code 12h}, {@code 2s}); a bare number is milliseconds.
     * @return milliseconds; {@link #NEVER} for never.
     * @throws IllegalArgumentException saying what is accepted.
     */
    public static long parseMillis(final String text)
    {
        final String trimmed = text.trim();
        if ("never".equalsIgnoreCase(trimmed))
        {
            return NEVER;
        }
        final Matcher m = NUMBER_AND_UNIT.matcher(trimmed);
        if (m.matches())
        {
            final long multiplier = switch (m.group(2).toLowerCase(Locale.ROOT))
            {
                case "", "ms" -> 1L;
                case "s" -> 1_000L;
                case "m" -> 60_000L;
                case "h" -> 3_600_000L;
                case "d" -> 86_400_000L;
                default -> -1L;
            };
            if (multiplier > 0)
            {
                try
                {
                    return Math.multiplyExact(Long.parseLong(m.group(1)), multiplier);
                }
                catch (final ArithmeticException | NumberFormatException ex)
                {
                    throw new IllegalArgumentException("'" + text + "' is too long a duration", ex);
                }
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not a duration (never, or e.g. 7d, 12h, 30m, 2s)");
    }
}
