package io.sluice.bench.load;

import io.sluice.core.util.EpochClock;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One producer thread of a {@link LoadRun} and the outlets it drives in turn, open-loop: message {@code i} of a phase
 * is stamped with its intended send time ({@code phaseStart + i / rate}) and keeps that stamp however long the link
 * pushes back (coordinated omission). At the maximum rate there is no schedule: the stamp is the first attempt's time.
 * <p>
 * The thread opens its outlets, before it says it runs, and closes them when the run ends: a link end is opened,
 * driven and closed by one thread.
 */
final class LoadProducer implements Runnable
{
    private static final long SECOND_NANOS = TimeUnit.SECONDS.toNanos(1);

    final Thread thread;
    final AtomicLong sent = new AtomicLong();
    // Written by this thread before it says it is done sending, read once it did.
    final long[] sentByStream;
    long intended;
    long backPressured;
    // Set once this thread sent (and flushed) all it will: the sampler then drains the consumers.
    volatile boolean doneSending;

    private final LoadSpec spec;
    private final Link link;
    private final RunControl control;
    // Opened, driven and closed by this thread.
    private final List<Link.Outlet> outlets = new ArrayList<>();
    private final int[] streams;
    private final double share;

    LoadProducer(final int index, final LoadSpec spec, final Link link, final RunControl control,
        final List<Integer> streams, final double share)
    {
        this.spec = spec;
        this.link = link;
        this.control = control;
        this.streams = streams.stream().mapToInt(Integer::intValue).toArray();
        this.share = share;
        this.sentByStream = new long[spec.streams()];
        this.thread = new Thread(this, "bench-producer-" + index);
        this.thread.setDaemon(true);
    }

    @Override
    public void run()
    {
        try
        {
            // Open before this thread says it runs; nothing is sent before the schedule starts.
            for (final int stream : streams)
            {
                outlets.add(link.openOutlet(stream));
            }
            control.awaitSchedule();
            send();
            flushAll();
            doneSending = true;
        }
        catch (final Throwable ex)
        {
            control.fail(ex);
        }
        finally
        {
            control.awaitEnd();
            for (final Link.Outlet outlet : outlets)
            {
                LoadRun.closeQuietly(outlet);
            }
        }
    }

    private void send() throws Exception
    {
        final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(spec.payloadBytes()));
        for (int i = 8; i < spec.payloadBytes(); i++)
        {
            payload.putByte(i, (byte)('a' + i % 26));
        }
        final boolean keyed = spec.keys() > 0;
        final BackoffIdleStrategy idle = new BackoffIdleStrategy(100, 10, 1_000, 100_000);
        final List<LoadSpec.Phase> phases = new ArrayList<>();
        if (spec.warmupNanos() > 0)
        {
            phases.add(new LoadSpec.Phase(spec.warmupNanos(), spec.phases().get(0).rate()));
        }
        phases.addAll(spec.phases());
        final long runEnd = control.measureToNanos();
        waitUntil(control.startNanos());

        long count = 0;
        int next = 0;
        long phaseStart = control.startNanos();
        for (final LoadSpec.Phase phase : phases)
        {
            final long phaseEnd = phaseStart + phase.nanos();
            final double rate = phase.rate() * share;
            if (rate <= 0)
            {
                flushAll();
                waitUntil(phaseEnd);
                phaseStart = phaseEnd;
                continue;
            }
            final boolean paced = !Double.isInfinite(rate);
            final double nanosPerMessage = paced ? SECOND_NANOS / rate : 0;
            if (paced)
            {
                intended += (long)Math.ceil(phase.nanos() / nanosPerMessage);
            }
            long i = 0;
            while (!control.stopProducers)
            {
                // One clock read per message: at the maximum rate it is a visible share of the producer's time.
                final long now = EpochClock.nanos();
                if (now >= runEnd)
                {
                    return;
                }
                final long stamp;
                if (paced)
                {
                    stamp = phaseStart + (long)(i * nanosPerMessage);
                    if (stamp >= phaseEnd)
                    {
                        break;
                    }
                    if (stamp - now > 20_000)
                    {
                        flushAll();
                        waitUntil(stamp);
                    }
                }
                else
                {
                    if (now >= phaseEnd)
                    {
                        break;
                    }
                    stamp = now;
                }
                final Link.Outlet outlet = outlets.get(next);
                payload.putLong(0, keyed ? count % spec.keys() : count, ByteOrder.BIG_ENDIAN);
                idle.reset();
                while (!outlet.offer(payload, spec.payloadBytes(), keyed, stamp))
                {
                    backPressured++;
                    if (control.stopProducers || EpochClock.nanos() >= runEnd)
                    {
                        return;
                    }
                    idle.idle();
                }
                count++;
                i++;
                sentByStream[streams[next]]++;
                sent.lazySet(count);
                if (!paced)
                {
                    intended++;
                }
                next = next + 1 == outlets.size() ? 0 : next + 1;
            }
            phaseStart = phaseEnd;
        }
    }

    private void flushAll() throws Exception
    {
        for (final Link.Outlet outlet : outlets)
        {
            outlet.flush();
        }
    }

    private void waitUntil(final long target)
    {
        long now;
        while ((now = EpochClock.nanos()) < target && !control.stopProducers)
        {
            final long wait = target - now;
            if (wait > 100_000)
            {
                // parkNanos overshoots by tens of microseconds: park short of the target, spin the rest.
                LockSupport.parkNanos(wait - 60_000);
            }
            else
            {
                // Yield rather than spin: the relay and the consumers share these cores, and a spinning producer
                // would take the CPU they need (with several producer threads, all of it on two cores).
                Thread.yield();
            }
        }
    }
}
