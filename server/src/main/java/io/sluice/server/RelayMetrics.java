package io.sluice.server;

import io.sluice.core.protocol.ErrorCode;

import io.sluice.server.counters.RelayCounters;
import io.sluice.server.counters.Roster;
import io.sluice.server.lane.Lane;
import io.sluice.server.lane.LaneSnapshot;
import io.sluice.server.producer.ProducerBlame;
import io.sluice.server.producer.ProducerSnapshot;
import io.sluice.server.stream.Stream;
import io.sluice.server.stream.StreamRegistry;
import io.sluice.server.stream.StreamSnapshot;
import io.sluice.server.tier.disk.SpillCounters;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Counters and gauges of a running relay: the read side over the {@link RelayCounters} the stages increment, the
 * lanes and publishers they register, and the stream registry. Every method is safe from any thread and cheap enough
 * to poll.
 */
public final class RelayMetrics
{
    private final RelayCounters counters = new RelayCounters();
    private final Roster<Lane> lanes = new Roster<>();
    private final Roster<ProducerBlame> producers = new Roster<>();
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
    }

    /** @return what the stages count into. */
    public RelayCounters counters()
    {
        return counters;
    }

    /** @return where subscriber connections register their lanes while they last. */
    public Roster<Lane> laneRoster()
    {
        return lanes;
    }

    /** @return where publisher connections register what they are blamed for while they last. */
    public Roster<ProducerBlame> producerRoster()
    {
        return producers;
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
        final List<Lane> laneList = new ArrayList<>(lanes.size());
        lanes.forEach(laneList::add);
        final List<ProducerBlame> producerList = new ArrayList<>(producers.size());
        producers.forEach(producerList::add);
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
        return counters.connectionsOpened();
    }

    /** @return publishers connected now. */
    public int publishers()
    {
        return counters.publishers();
    }

    /** @return subscribers connected now. */
    public int subscribers()
    {
        return counters.subscribers();
    }

    /** @return DATA messages received from publishers since start. */
    public long messagesIn()
    {
        return counters.messagesIn();
    }

    /** @return DATA frames identified publishers resent that the relay had accepted, dropped since start. */
    public long duplicatesDropped()
    {
        return counters.duplicatesDropped();
    }

    /** @return DATA bytes received from publishers since start. */
    public long bytesIn()
    {
        return counters.bytesIn();
    }

    /**
     * @return bytes of frames the relay holds now: in lanes, in subscribers' outbound buffers, and held by paused
     * publishers' connections.
     */
    public long bufferedBytes()
    {
        long bytes = counters.heldBytes();
        for (final Lane lane : lanes)
        {
            bytes += lane.queuedBytes() + lane.outboundBytes();
        }
        return bytes;
    }

    /** @return the most bytes any one lane has held (queued plus its channel's outbound buffer). */
    public long peakLaneBytes()
    {
        long peak = counters.peakOfClosedLanes();
        for (final Lane lane : lanes)
        {
            peak = Math.max(peak, lane.peakBytes());
        }
        return peak;
    }

    /** @return bytes paused publishers' connections hold now. */
    public long heldBytes()
    {
        return counters.heldBytes();
    }

    /** @return the most bytes paused publishers' connections have held at once, all together. */
    public long peakHeldBytes()
    {
        return counters.peakHeldBytes();
    }

    /**
     * @param code an error code.
     * @return protocol errors of that code detected since start.
     */
    public long protocolErrors(final ErrorCode code)
    {
        return counters.protocolErrors(code);
    }

    /** @return protocol errors of every code since start. */
    public long protocolErrors()
    {
        return counters.protocolErrors();
    }

    /** @return protocol errors by code, codes with none left out. */
    public Map<ErrorCode, Long> protocolErrorsByCode()
    {
        return counters.protocolErrorsByCode();
    }

    /**
     * @param code an error code.
     * @return ERROR frames received from clients with that code since start (codes this relay does not know count as
     * {@link ErrorCode#INTERNAL}).
     */
    public long errorsReceived(final ErrorCode code)
    {
        return counters.errorsReceived(code);
    }

    /** @return ERROR frames received from clients by code, codes with none left out. */
    public Map<ErrorCode, Long> errorsReceivedByCode()
    {
        return counters.errorsReceivedByCode();
    }
}
