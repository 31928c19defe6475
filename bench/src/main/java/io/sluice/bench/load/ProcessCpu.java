package io.sluice.bench.load;

import java.time.Duration;

/**
 * CPU time a peer's server process (haproxy, nats-server) used between {@link #start} and {@link #nanos()}, all its
 * threads together, as the kernel counts it (in clock ticks, 10 ms on Linux): the peer's side of {@link RelayCpu}.
 */
public final class ProcessCpu
{
    private final ProcessHandle process;
    private final long atStart;

    private ProcessCpu(final ProcessHandle process, final long atStart)
    {
        this.process = process;
        this.atStart = atStart;
    }

    /** @return a measurement of {@code process} starting now. */
    public static ProcessCpu start(final ProcessHandle process)
    {
        return new ProcessCpu(process, cpuNanos(process));
    }

    /** @return CPU nanoseconds the process used since {@link #start}, or -1 when the system does not say. */
    public long nanos()
    {
        final long now = cpuNanos(process);
        return atStart < 0 || now < 0 ? -1 : now - atStart;
    }

    private static long cpuNanos(final ProcessHandle process)
    {
        return process.info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
    }
}
