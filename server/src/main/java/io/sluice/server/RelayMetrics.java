package io.sluice.server;

import io.sluice.core.protocol.ErrorCode;

import io.sluice.server.lane.Lane;
import io.sluice.server.lane.LaneSnapshot;
import io.sluice.server.producer.ProducerBlame;
import io.sluice.server.producer.ProducerSnapshot;
import io.sluice.server.stream.Stream;
import io.sluice.server.stream.StreamRegistry;
import io.sluice.server.stream.StreamSnapshot;
import io.sluice.server.tier.disk.SpillCounters;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters and gauges of a running relay. Every method is safe from any thread and cheap enough to poll.
 */
public final class RelayMetrics
{
    private final LongAdder connectionsOpened = new LongAdder();
    private final LongAdder messagesIn = new LongAdder();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder duplicatesDropped = new LongAdder();
    private final AtomicInteger publishers = new AtomicInteger();
    private final AtomicInteger subscribers = new AtomicInteger();
    private final AtomicLong heldBytes = new AtomicLong();
    private final AtomicLong peakHeldBytes = new AtomicLong();
    private final AtomicLong peakOfClosedLanes = new AtomicLong();
    private final LongAdder[] errorsByCode = new LongAdder[ErrorCode.values().length];
    private final LongAdder[] errorsReceivedByCode = new LongAdder[ErrorCode.values().length];
    private final Set<Lane> lanes = ConcurrentHashMap.newKeySet();
    private final Set<ProducerBlame> producers = ConcurrentHashMap.newKeySet();
    private final StreamRegistry streams;
    private final SpillCounters spill = new SpillCounters();
    private final long startedAtMillis = System.currentTimeMillis();

    /** @return when the relay started, epoch milliseconds. */
    public long startedAtMillis()
    {
        return startedAtMillis;
    }

    public RelayMetrics(final StreamRegistry streams)
    {
        this.streams = streams;
        for (int i = 0; i < errorsByCode.length; i++)
        {
            errorsByCode[i] = new LongAdder();
            errorsReceivedByCode[i] = new LongAdder();
        }
    }

    void onConnectionOpened()
    {
        connectionsOpened.increment();
    }

    void onProtocolError(final ErrorCode code)
    {
        errorsByCode[code.ordinal()].increment();
    }

    public void onErrorReceived(final ErrorCode code)
    {
        errorsReceivedByCode[code.ordinal()].increment();
    }

    public void onMessagesIn(final int messages, final int bytes)
    {
        messagesIn.add(messages);
        bytesIn.add(bytes);
    }

    public void onHeldBytes(final long delta)
    {
        final long held = heldBytes.addAndGet(delta);
        if (held > peakHeldBytes.get())
        {
            peakHeldBytes.accumulateAndGet(held, Math::max);
        }
    }

    public void publisherJoined()
    {
        publishers.incrementAndGet();
    }

    public void publisherLeft()
    {
        publishers.decrementAndGet();
    }

    public void producerJoined(final ProducerBlame producer)
    {
        producers.add(producer);
    }

    public void producerLeft(final ProducerBlame producer)
    {
        producers.remove(producer);
    }

    public void subscriberJoined(final Lane lane)
    {
        subscribers.incrementAndGet();
        lanes.add(lane);
    }

    public void subscriberLeft(final Lane lane)
    {
        subscribers.decrementAndGet();
        lanes.remove(lane);
        peakOfClosedLanes.accumulateAndGet(lane.peakBytes(), Math::max);
    }

    /** @return what the disk tiers could not keep: failures, bytes lost, damage. */
    public SpillCounters spill()
    {
        return spill;
    }

    /** @return a snapshot of every stream, in no particular order. */
    public List<StreamSnapshot> streams()
    {
        final List<StreamSnapshot> list = new ArrayList<>();
        for (final Stream stream : streams.all())
        {
            list.add(stream.snapshot());
        }
        return list;
    }

    /** @return streams that exist now (idle ones go after stream-idle-timeout). */
    public int streamCount()
    {
        return streams.size();
    }

    /** @return a snapshot of every subscriber lane, in no particular order. */
    public List<LaneSnapshot> lanes()
    {
        final List<LaneSnapshot> list = new ArrayList<>();
        for (final Lane lane : lanes)
        {
            list.add(lane.snapshot());
        }
        return list;
    }

    /**
     * @return every publisher connection as its event loop last measured it ({@link #measure}), in no particular
     * order.
     */
    public List<ProducerSnapshot> producers()
    {
        final List<ProducerSnapshot> list = new ArrayList<>();
        for (final ProducerBlame producer : producers)
        {
            list.add(producer.snapshot());
        }
        return list;
    }

    /**
     * Asks each lane's and each publisher's event loop to measure what only that loop may read (what waits in each of
     * a lane's tiers and the oldest waiting message's timestamp; which lanes hold a publisher), and waits for the
     * answers. A loop that has not answered within {@code timeout} keeps its last measurement. For the lanes view,
     * which calls it at most once per interval; never call it on an event loop.
     *
     * @param timeout longest wait.
     * @return whether every loop answered in time.
     * @throws InterruptedException when interrupted while waiting.
     */
    public boolean measure(final Duration timeout) throws InterruptedException
    {
        final List<Lane> laneList = new ArrayList<>(lanes);
        final List<ProducerBlame> producerList = new ArrayList<>(producers);
        final CountDownLatch answered = new CountDownLatch(laneList.size() + producerList.size());
        for (final Lane lane : laneList)
        {
            runOn(lane.eventLoop(), lane::measureDepths, answered);
        }
        for (final ProducerBlame producer : producerList)
        {
            runOn(producer.executor(), producer::measure, answered);
        }
        return answered.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private static void runOn(final Executor loop, final Runnable task, final CountDownLatch done)
    {
        if (loop == null)
        {
            done.countDown();
            return;
        }
        try
        {
            loop.execute(() ->
            {
                try
                {
                    task.run();
                }
                finally
                {
                    done.countDown();
                }
            });
        }
        catch (final RejectedExecutionException ex)
        {
            // The loop has stopped (the relay is closing): its last measurement stands.
            done.countDown();
        }
    }

    /** @return connections accepted since start. */
    public long connectionsOpened()
    {
        return connectionsOpened.sum();
    }

    /** @return publishers connected now. */
    public int publishers()
    {
        return publishers.get();
    }

    /** @return subscribers connected now. */
    public int subscribers()
    {
        return subscribers.get();
    }

    /** @return DATA messages received from publishers since start. */
    public long messagesIn()
    {
        return messagesIn.sum();
    }

    /** @param messages DATA frames an identified publisher resent that the relay had accepted: dropped. */
    public void onDuplicatesDropped(final int messages)
    {
        duplicatesDropped.add(messages);
    }

    /** @return DATA frames identified publishers resent that the relay had accepted, dropped since start. */
    public long duplicatesDropped()
    {
        return duplicatesDropped.sum();
    }

    /** @return DATA bytes received from publishers since start. */
    public long bytesIn()
    {
        return bytesIn.sum();
    }

    /**
     * @return bytes of frames the relay holds now: in lanes, in subscribers' outbound buffers, and held by paused
     * publishers' connections.
     */
    public long bufferedBytes()
    {
        long bytes = heldBytes.get();
        for (final Lane lane : lanes)
        {
            bytes += lane.queuedBytes() + lane.outboundBytes();
        }
        return bytes;
    }

    /** @return the most bytes any one lane has held (queued plus its channel's outbound buffer). */
    public long peakLaneBytes()
    {
        long peak = peakOfClosedLanes.get();
        for (final Lane lane : lanes)
        {
            peak = Math.max(peak, lane.peakBytes());
        }
        return peak;
    }

    /** @return bytes paused publishers' connections hold now. */
    public long heldBytes()
    {
        return heldBytes.get();
    }

    /** @return the most bytes paused publishers' connections have held at once, all together. */
    public long peakHeldBytes()
    {
        return peakHeldBytes.get();
    }

    /**
     * @param code an error code.
     * @return protocol errors of that code detected since start.
     */
    public long protocolErrors(final ErrorCode code)
    {
        return errorsByCode[code.ordinal()].sum();
    }

    /** @return protocol errors of every code since start. */
    public long protocolErrors()
    {
        long sum = 0;
        for (final LongAdder adder : errorsByCode)
        {
            sum += adder.sum();
        }
        return sum;
    }

    /** @return protocol errors by code, codes with none left out. */
    public Map<ErrorCode, Long> protocolErrorsByCode()
    {
        return byCode(errorsByCode);
    }

    /**
     * @param code an error code.
     * @return ERROR frames received from clients with that code since start (codes this relay does not know count as
     * {@link ErrorCode#INTERNAL}).
     */
    public long errorsReceived(final ErrorCode code)
    {
        return errorsReceivedByCode[code.ordinal()].sum();
    }

    /** @return ERROR frames received from clients by code, codes with none left out. */
    public Map<ErrorCode, Long> errorsReceivedByCode()
    {
        return byCode(errorsReceivedByCode);
    }

    private static Map<ErrorCode, Long> byCode(final LongAdder[] counts)
    {
        final Map<ErrorCode, Long> map = new EnumMap<>(ErrorCode.class);
        for (final ErrorCode code : ErrorCode.values())
        {
            final long n = counts[code.ordinal()].sum();
            if (n > 0)
            {
                map.put(code, n);
            }
        }
        return map;
    }
}
