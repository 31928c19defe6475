package io.sluice.kafka;

/**
 * The records a sink has sent to Kafka and not yet settled, in the order it took them from its subscription: a ring
 * of reusable {@link Delivery} slots. The sink's thread claims a slot for each message it takes and retires slots
 * from the head once settled (confirmed by Kafka, or failed for good), so the head is the sink's settled position in
 * its lane: everything before it is in Kafka or accounted for as failed. With acknowledged delivery, that is the
 * position the sink acknowledges. A full ring stops the sink taking more: that is where a slow Kafka pushes back.
 * <p>
 * Claiming and retiring are for the sink's thread only; the counts may be read from any thread.
 */
final class InFlightWindow
{
    private final Delivery[] slots;
    private final int mask;
    private volatile long head;
    private volatile long tail;
    private volatile long bytes;

    /**
     * @param capacity most records in flight, a power of two.
     */
    InFlightWindow(final int capacity)
    {
        if (Integer.bitCount(capacity) != 1)
        {
            throw new IllegalArgumentException("capacity must be a power of two, was " + capacity);
        }
        slots = new Delivery[capacity];
        for (int i = 0; i < capacity; i++)
        {
            slots[i] = new Delivery();
        }
        mask = capacity - 1;
    }

    /** @return slots free to claim. */
    int room()
    {
        return slots.length - (int)(tail - head);
    }

    /** @return records claimed and not yet retired. */
    long inFlight()
    {
        return tail - head;
    }

    /** @return payload bytes of the records claimed and not yet retired. */
    long inFlightBytes()
    {
        return bytes;
    }

    /** @return records retired so far: the settled position in the sink's lane. */
    long settledPosition()
    {
        return head;
    }

    /** @return records claimed so far. */
    long claimedPosition()
    {
        return tail;
    }

    /**
     * @param payloadBytes the record's payload length, counted in {@link #inFlightBytes()} until it is retired.
     * @return the next slot, reset and stamped with its position; the caller fills it.
     * @throws IllegalStateException when the window is full.
     */
    Delivery claim(final int payloadBytes)
    {
        final long position = tail;
        if (position - head >= slots.length)
        {
            throw new IllegalStateException("in-flight window full");
        }
        final Delivery slot = slots[(int)position & mask];
        slot.reset(position, payloadBytes);
        bytes += payloadBytes;
        tail = position + 1;
        return slot;
    }

    /** @return the oldest claimed slot when it is done, else null. */
    Delivery settledHead()
    {
        final long position = head;
        if (position == tail)
        {
            return null;
        }
        final Delivery slot = slots[(int)position & mask];
        return slot.isDone() ? slot : null;
    }

    /** @return the oldest claimed slot whether done or not, or null when none is claimed. */
    Delivery oldest()
    {
        final long position = head;
        return position == tail ? null : slots[(int)position & mask];
    }

    /**
     * Retires the head slot, which {@link #settledHead()} returned.
     */
    void retire()
    {
        final Delivery slot = slots[(int)head & mask];
        bytes -= slot.payloadBytes();
        slot.release();
        head = head + 1;
    }
}
