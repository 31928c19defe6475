package io.sluice.bench.load;

import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** What a result file says about where it was measured, load average included. */
public final class Machine
{
    private Machine()
    {
    }

    /** @return the one-minute load average, or -1 where the platform has none. */
    public static double loadAverage()
    {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    /** @return cores, OS, Java and the load average now, as JSON fields. */
    public static Map<String, Object> describe()
    {
        final Map<String, Object> json = new LinkedHashMap<>();
        json.put("time", Instant.now().toString());
        json.put("cores", Runtime.getRuntime().availableProcessors());
        json.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
            + System.getProperty("os.arch"));
        json.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        json.put("loadAverage1m", Math.round(loadAverage() * 100) / 100.0);
        return json;
    }

    /** @return e.g. {@code 2 cores, load 1.23}. */
    public static String line()
    {
        return String.format(Locale.ROOT, "%d cores, load average %.2f, %s", Runtime.getRuntime().availableProcessors(),
            loadAverage(), System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    }
}
