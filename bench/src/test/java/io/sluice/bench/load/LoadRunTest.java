package io.sluice.bench.load;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongConsumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Each load thread of a run opens its own link ends, drives them and closes them; a link end that cannot be opened
 * fails the run with why.
 */
final class LoadRunTest
{
    @Test
    void pacedConsumersPollInletsAndProducersDriveOutletsTheirOwnThreadsOpenedAndClosed() throws Exception
    {
        final InMemoryLink link = new InMemoryLink(false, null);
        // Four producers on two threads over three streams: thread 0 drives producers 0 and 2, thread 1 1 and 3.
        final LoadSpec spec = LoadSpec.steady(8, 2_000, 0.05, 1_000_000).withShape(4, 2, 3, 3);

        final RunResult result = LoadRun.run("own-threads", "", link, null, spec, null);

        assertEquals(result.sent(), result.delivered());
        link.assertEachEndOpenedAndClosedByOneLoadThread();
        assertEquals(List.of("inlet 0"), link.opened("bench-consumer-0"));
        assertEquals(List.of("inlet 1"), link.opened("bench-consumer-1"));
        assertEquals(List.of("inlet 2"), link.opened("bench-consumer-2"));
        assertEquals(List.of("outlet 0", "outlet 2"), link.opened("bench-producer-0"));
        assertEquals(List.of("outlet 1", "outlet 0"), link.opened("bench-producer-1"));
    }

    @Test
    void unpacedConsumersTakeInletsThatDeliverByThemselvesOpenedAndClosedOnTheirOwnThreads() throws Exception
    {
        final InMemoryLink link = new InMemoryLink(true, null);
        // One producer thread a stream: the pushing inlets deliver on the thread that offers.
        final LoadSpec spec = LoadSpec.steady(8, 2_000, 0.05, 0).withShape(2, 2, 2, 2);

        final RunResult result = LoadRun.run("own-threads", "", link, null, spec, null);

        assertEquals(result.sent(), result.delivered());
        link.assertEachEndOpenedAndClosedByOneLoadThread();
        assertEquals(List.of("pushing inlet 0"), link.opened("bench-consumer-0"));
        assertEquals(List.of("pushing inlet 1"), link.opened("bench-consumer-1"));
        assertEquals(List.of("outlet 0"), link.opened("bench-producer-0"));
        assertEquals(List.of("outlet 1"), link.opened("bench-producer-1"));
    }

    @Test
    void anOutletThatCannotBeOpenedFailsTheRunWithWhyAndTheOpenedEndsAreClosedByTheirThreads()
    {
        final IOException refused = new IOException("refused");
        final InMemoryLink link = new InMemoryLink(false, refused);
        final LoadSpec spec = LoadSpec.steady(8, 2_000, 0.05, 1_000_000).withShape(2, 2, 2, 2);

        // The producers' threads never say they run: waiting them out would end in 60 s with a message of its own.
        assertSame(refused, assertThrows(IOException.class,
            () -> LoadRun.run("refused", "", link, null, spec, null)));
        link.assertEachEndOpenedAndClosedByOneLoadThread();
        assertEquals(List.of("inlet 0"), link.opened("bench-consumer-0"));
        assertEquals(List.of("inlet 1"), link.opened("bench-consumer-1"));
    }

    /** One end the link opened: its name, and the threads that opened and closed it. */
    private static final class End
    {
        final String name;
        final Thread openedBy = Thread.currentThread();
        volatile Thread closedBy;

        End(final String name)
        {
            this.name = name;
        }

        void close()
        {
            closedBy = Thread.currentThread();
        }
    }

    /**
     * Streams in memory: an outlet hands each message to every inlet of its stream at once, a polled inlet queues it,
     * a pushing one passes it to its sink on the offering thread. Records every end it opened.
     */
    private static final class InMemoryLink implements Link
    {
        private final boolean pushing;
        private final Exception outletFailure;
        private final Map<Integer, List<LongConsumer>> receivers = new ConcurrentHashMap<>();
        private final Queue<End> ends = new ConcurrentLinkedQueue<>();

        /**
         * @param pushing whether unpaced consumers get inlets that deliver by themselves.
         * @param outletFailure what opening an outlet throws, or null to open it.
         */
        InMemoryLink(final boolean pushing, final Exception outletFailure)
        {
            this.pushing = pushing;
            this.outletFailure = outletFailure;
        }

        @Override
        public String name()
        {
            return "in-memory";
        }

        @Override
        public Inlet openInlet(final int stream)
        {
            final End end = record("inlet " + stream);
            final Queue<Long> queue = new ConcurrentLinkedQueue<>();
            receiversOf(stream).add(queue::add);
            return new Inlet()
            {
                @Override
                public int poll(final Sink sink, final int limit)
                {
                    int n = 0;
                    Long stamp;
                    while (n < limit && (stamp = queue.poll()) != null)
                    {
                        sink.onMessage(stamp);
                        n++;
                    }
                    return n;
                }

                @Override
                public void close()
                {
                    end.close();
                }
            };
        }

        @Override
        public Inlet openInlet(final int stream, final Sink sink)
        {
            if (!pushing)
            {
                return null;
            }
            final End end = record("pushing inlet " + stream);
            receiversOf(stream).add(sink::onMessage);
            return new Inlet()
            {
                @Override
                public int poll(final Sink ignored, final int limit)
                {
                    return 0;
                }

                @Override
                public void close()
                {
                    end.close();
                }
            };
        }

        @Override
        public Outlet openOutlet(final int stream) throws Exception
        {
            if (outletFailure != null)
            {
                throw outletFailure;
            }
            final End end = record("outlet " + stream);
            final List<LongConsumer> to = receiversOf(stream);
            return new Outlet()
            {
                @Override
                public boolean offer(final UnsafeBuffer payload, final int length, final boolean keyed,
                    final long timestampNanos)
                {
                    to.forEach(receiver -> receiver.accept(timestampNanos));
                    return true;
                }

                @Override
                public void close()
                {
                    end.close();
                }
            };
        }

        @Override
        public void close()
        {
        }

        private End record(final String name)
        {
            final End end = new End(name);
            ends.add(end);
            return end;
        }

        private List<LongConsumer> receiversOf(final int stream)
        {
            return receivers.computeIfAbsent(stream, s -> new CopyOnWriteArrayList<>());
        }

        /** @return the ends the thread of that name opened, in the order it opened them. */
        List<String> opened(final String threadName)
        {
            return ends.stream().filter(e -> e.openedBy.getName().equals(threadName)).map(e -> e.name).toList();
        }

        void assertEachEndOpenedAndClosedByOneLoadThread()
        {
            assertFalse(ends.isEmpty());
            for (final End end : ends)
            {
                assertNotSame(Thread.currentThread(), end.openedBy, end.name);
                assertSame(end.openedBy, end.closedBy, end.name + " closed by another thread, or not closed");
            }
        }
    }
}
