package io.sluice.server.security;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A principal's publish rate in bytes per second, shared by all its publishing connections (on any event loops), as
 * a generic cell rate algorithm: one atomic time, the moment the bytes taken so far would have been sent at the
 * rate. A connection that took bytes beyond the rate plus a second's burst is told how long to stop reading; the
 * bytes it already read go on (throttle, never drop). Over any span of T seconds the principal's connections are
 * read no more than {@code rate * (T + 1)} bytes plus what each read after its pause.
 */
public final class PublishRate
{
    /** Bytes beyond the rate a principal may send at once: one second's worth. */
    static final long BURST_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final LongSupplier nanoClock;
    private final AtomicLong sentUntilNanos;
    private volatile long bytesPerSecond;

    /**
     * @param bytesPerSecond the rate; 0 for none.
     * @param nanoClock the clock, {@code System::nanoTime} but in tests.
     */
    PublishRate(final long bytesPerSecond, final LongSupplier nanoClock)
    {
        this.bytesPerSecond = bytesPerSecond;
        this.nanoClock = nanoClock;
        this.sentUntilNanos = new AtomicLong(nanoClock.getAsLong());
    }

    /** A reload changed the rate: it applies from the next bytes taken. */
    void bytesPerSecond(final long bytesPerSecond)
    {
        this.bytesPerSecond = bytesPerSecond;
    }

    /** @return the rate in bytes per second; 0 for none. */
    public long bytesPerSecond()
    {
        return bytesPerSecond;
    }

    /**
     * Any thread: a connection of the principal read these bytes of DATA.
     *
     * @param bytes bytes read.
     * @return how long the connection should stop reading, in nanoseconds; 0 to read on.
     */
    public long onBytes(final int bytes)
    {
        final long rate = bytesPerSecond;
        if (rate <= 0)
        {
            return 0;
        }
        final long cost = bytes * TimeUnit.SECONDS.toNanos(1) / rate;
        final long now = nanoClock.getAsLong();
        long before;
        long after;
        do
        {
            before = sentUntilNanos.get();
            after = Math.max(before - now, 0) + now + cost;
        }
        while (!sentUntilNanos.compareAndSet(before, after));
        return Math.max(0, after - now - BURST_NANOS);
    }

    /**
     * Any thread: for a connection that stopped reading.
     *
     * @return how much longer it should wait, in nanoseconds; 0 once it may read again.
     */
    public long delayNanos()
    {
        if (bytesPerSecond <= 0)
        {
            return 0;
        }
        return Math.max(0, sentUntilNanos.get() - nanoClock.getAsLong() - BURST_NANOS);
    }
}
