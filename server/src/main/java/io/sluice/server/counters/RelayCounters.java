package io.sluice.server.counters;

import io.sluice.core.protocol.ErrorCode;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters a relay's stages increment as connections come and go and messages pass: the write side of the
 * relay's metrics, below the stages so that they count without knowing who reads (the relay's {@code RelayMetrics}).
 * Every method is safe from any thread; the increments on the message path are a {@link LongAdder} add each.
 */
public final class RelayCounters
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

    public RelayCounters()
    {
        for (int i = 0; i < errorsByCode.length; i++)
        {
            errorsByCode[i] = new LongAdder();
            errorsReceivedByCode[i] = new LongAdder();
        }
    }

    /** A connection was accepted. */
    public void onConnectionOpened()
    {
        connectionsOpened.increment();
    }

    /** @param code a protocol error the relay detected. */
    public void onProtocolError(final ErrorCode code)
    {
        errorsByCode[code.ordinal()].increment();
    }

    /** @param code the code of an ERROR frame a client sent. */
    public void onErrorReceived(final ErrorCode code)
    {
        errorsReceivedByCode[code.ordinal()].increment();
    }

    /**
     * @param messages DATA messages received from a publisher.
     * @param bytes their bytes.
     */
    public void onMessagesIn(final int messages, final int bytes)
    {
        messagesIn.add(messages);
        bytesIn.add(bytes);
    }

    /** @param delta bytes paused publishers' connections took on (positive) or let go (negative). */
    public void onHeldBytes(final long delta)
    {
        final long held = heldBytes.addAndGet(delta);
        if (held > peakHeldBytes.get())
        {
            peakHeldBytes.accumulateAndGet(held, Math::max);
        }
    }

    /** A publisher connection was welcomed. */
    public void publisherJoined()
    {
        publishers.incrementAndGet();
    }

    /** A publisher connection went. */
    public void publisherLeft()
    {
        publishers.decrementAndGet();
    }

    /** A subscriber connection was welcomed. */
    public void subscriberJoined()
    {
        subscribers.incrementAndGet();
    }

    /**
     * A subscriber connection went.
     *
     * @param lanePeakBytes the most bytes its lane held, kept as the peak of the lanes that have gone.
     */
    public void subscriberLeft(final long lanePeakBytes)
    {
        subscribers.decrementAndGet();
        peakOfClosedLanes.accumulateAndGet(lanePeakBytes, Math::max);
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

    /** @return DATA bytes received from publishers since start. */
    public long bytesIn()
    {
        return bytesIn.sum();
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

    /** @return the most bytes any lane that has gone held. */
    public long peakOfClosedLanes()
    {
        return peakOfClosedLanes.get();
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
     * @return ERROR frames received from clients with that code since start.
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
