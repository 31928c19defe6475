package io.sluice.bench.load;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;

/**
 * CPU time the in-process relay's event loop threads ({@code sluice-relay-*}) used between {@link #start()} and
 * {@link #nanos()}: TLS costs the relay CPU per byte, which throughput alone does not show on a machine with cores
 * to spare.
 */
public final class RelayCpu
{
    private static final String RELAY_THREADS = "sluice-relay-";
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final Map<Long, Long> atStart;

    private RelayCpu(final Map<Long, Long> atStart)
    {
        this.atStart = atStart;
    }

    /** @return whether this JVM measures threads' CPU time. */
    public static boolean supported()
    {
        return THREADS.isThreadCpuTimeSupported() && THREADS.isThreadCpuTimeEnabled();
    }

    /** @return a measurement starting now. */
    public static RelayCpu start()
    {
        return new RelayCpu(relayThreads());
    }

    /** @return CPU nanoseconds the relay's threads used since {@link #start()}; threads started since count whole. */
    public long nanos()
    {
        long sum = 0;
        for (final Map.Entry<Long, Long> thread : relayThreads().entrySet())
        {
            sum += thread.getValue() - atStart.getOrDefault(thread.getKey(), 0L);
        }
        return sum;
    }

    private static Map<Long, Long> relayThreads()
    {
        final Map<Long, Long> cpu = new HashMap<>();
        for (final ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds()))
        {
            if (info != null && info.getThreadName().startsWith(RELAY_THREADS))
            {
                final long nanos = THREADS.getThreadCpuTime(info.getThreadId());
                if (nanos >= 0)
                {
                    cpu.put(info.getThreadId(), nanos);
                }
            }
        }
        return cpu;
    }
}
