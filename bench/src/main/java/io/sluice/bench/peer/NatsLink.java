package io.sluice.bench.peer;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.sluice.bench.load.Link;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * NATS through the jnats client, against a nats-server the bench started on 127.0.0.1. The payload carries the send
 * time in its first 8 bytes (the payload size is the same as Sluice's).
 * <ul>
 *   <li>{@code nats-core}: publish and subscribe; a subscriber that falls too far behind has messages dropped by
 *   the client (slow consumer), counted as dropped.</li>
 *   <li>{@code jetstream}: publishes to a stream with file storage and counts a message as delivered when the server
 *   acknowledged it as stored (at most {@value #JETSTREAM_WINDOW} unacknowledged); latency is publish to stored. It is
 *   the disk-backed peer of the spill strategy, which takes messages onto disk while its subscriber is away.</li>
 * </ul>
 */
public final class NatsLink implements Link
{
    /** Most JetStream publishes awaiting their acknowledgement. */
    public static final int JETSTREAM_WINDOW = 4096;
    private static final String SUBJECT = "bench.0";

    private final boolean jetStream;
    private final Connection connection;
    private final ConcurrentLinkedQueue<Pending> pending = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();

    /**
     * @param port nats-server's port on 127.0.0.1.
     * @param jetStream whether to publish to a JetStream stream with file storage.
     * @throws Exception when it cannot connect, or the stream cannot be created.
     */
    public NatsLink(final int port, final boolean jetStream) throws Exception
    {
        this.jetStream = jetStream;
        this.connection = Nats.connect(new Options.Builder().server("nats://127.0.0.1:" + port)
            .connectionTimeout(Duration.ofSeconds(5)).noReconnect().build());
        if (jetStream)
        {
            final JetStreamManagement management = connection.jetStreamManagement();
            management.addStream(StreamConfiguration.builder().name("BENCH").subjects(SUBJECT)
                .storageType(StorageType.File).build());
        }
    }

    @Override
    public String name()
    {
        return jetStream ? "jetstream" : "nats-core";
    }

    @Override
    public Inlet openInlet(final int stream)
    {
        requireOneStream(stream);
        return jetStream ? new AckInlet() : new CoreInlet();
    }

    @Override
    public Outlet openOutlet(final int stream) throws Exception
    {
        requireOneStream(stream);
        if (!jetStream)
        {
            return (payload, length, keyed, timestampNanos) ->
            {
                // jnats keeps the array until it is written: a fresh one per message (the client's cost, not ours).
                connection.publish(SUBJECT, body(payload, length, timestampNanos));
                return true;
            };
        }
        final JetStream js = connection.jetStream();
        return (payload, length, keyed, timestampNanos) ->
        {
            if (inFlight.get() >= JETSTREAM_WINDOW)
            {
                return false;
            }
            inFlight.incrementAndGet();
            pending.add(new Pending(js.publishAsync(SUBJECT, body(payload, length, timestampNanos)), timestampNanos));
            return true;
        };
    }

    // The message's bytes, its first 8 the send time.
    static byte[] body(final UnsafeBuffer payload, final int length, final long timestampNanos)
    {
        final byte[] body = new byte[length];
        payload.getBytes(0, body, 0, length);
        ByteBuffer.wrap(body).putLong(0, timestampNanos);
        return body;
    }

    private static void requireOneStream(final int stream)
    {
        if (stream != 0)
        {
            throw new IllegalArgumentException("the NATS peer carries one stream");
        }
    }

    @Override
    public void close()
    {
        try
        {
            connection.close();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private record Pending(CompletableFuture<PublishAck> ack, long timestampNanos)
    {
    }

    /** Subscribes through a dispatcher, which calls the sink on its own thread. */
    private final class CoreInlet implements Inlet
    {
        private final Dispatcher dispatcher;
        private volatile Sink sink;
        private long droppedSeen;

        CoreInlet()
        {
            dispatcher = connection.createDispatcher(message ->
            {
                Sink s;
                while ((s = sink) == null)
                {
                    Thread.onSpinWait();
                }
                s.onMessage(ByteBuffer.wrap(message.getData()).getLong(0));
            });
            dispatcher.subscribe(SUBJECT);
            try
            {
                connection.flush(Duration.ofSeconds(5));
            }
            catch (final Exception ex)
            {
                throw new IllegalStateException("nats-server did not confirm the subscription", ex);
            }
        }

        @Override
        public int poll(final Sink sink, final int limit)
        {
            this.sink = sink;
            final long dropped = dispatcher.getDroppedCount();
            if (dropped > droppedSeen)
            {
                // Messages the client threw away because this subscriber fell too far behind (slow consumer).
                sink.onDropped(dropped - droppedSeen);
                droppedSeen = dropped;
                return 1;
            }
            return 0;
        }
    }

    /** Takes acknowledged JetStream publishes in order: a message counts as delivered once it is stored. */
    private final class AckInlet implements Inlet
    {
        @Override
        public int poll(final Sink sink, final int limit)
        {
            int n = 0;
            Pending head;
            while (n < limit && (head = pending.peek()) != null && head.ack.isDone())
            {
                pending.poll();
                inFlight.decrementAndGet();
                if (head.ack.isCompletedExceptionally())
                {
                    sink.onDropped(1);
                }
                else
                {
                    sink.onMessage(head.timestampNanos);
                }
                n++;
            }
            return n;
        }
    }
}
