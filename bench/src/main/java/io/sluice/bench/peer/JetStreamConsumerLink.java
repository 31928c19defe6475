package io.sluice.bench.peer;

import io.nats.client.ConsumeOptions;
import io.nats.client.Connection;
import io.nats.client.ConsumerContext;
import io.nats.client.IterableConsumer;
import io.nats.client.JetStream;
import io.nats.client.Message;
import io.nats.client.MessageConsumer;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.sluice.bench.load.Link;
import io.sluice.server.config.AckWindowLimit;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * JetStream end to end with acknowledgements ({@code jetstream-acked}): producers publish to a stream with file
 * storage (at most {@value NatsLink#JETSTREAM_WINDOW} publishes awaiting the server's "stored" per producer), and the
 * consumer takes the messages from a durable pull consumer that acknowledges what it processed, so each message goes
 * publish, stored, consumed, acknowledged. A message counts as delivered when the consumer has it; latency is publish
 * to consumed.
 * <p>
 * The consumer acknowledges as a Sluice subscriber does by default, to compare like with like: cumulatively
 * ({@link AckPolicy#All}), once half of the window of unacknowledged messages ({@value #ACK_WINDOW}, a Sluice
 * subscriber's default) is processed, or on the first message 100 ms after the last acknowledgement.
 */
public final class JetStreamConsumerLink implements Link
{
    /** The peer's name. */
    public static final String NAME = "jetstream-acked";
    /** Most messages delivered and not acknowledged (the consumer's max ack pending). */
    public static final int ACK_WINDOW = AckWindowLimit.DEFAULT_MESSAGES;

    private static final String STREAM = "BENCH";
    private static final String SUBJECT = "bench.0";
    private static final String DURABLE = "bench-durable";
    private static final int ACK_EVERY = ACK_WINDOW / 2;
    private static final long ACK_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final Connection connection;
    private final ConsumerContext consumer;
    private final AtomicLong failedPublishes = new AtomicLong();
    private final AtomicBoolean inletOpen = new AtomicBoolean();

    /**
     * @param port nats-server's port on 127.0.0.1, started with JetStream.
     * @throws Exception when it cannot connect, or the stream or the consumer cannot be created.
     */
    public JetStreamConsumerLink(final int port) throws Exception
    {
        connection = Nats.connect(new Options.Builder().server("nats://127.0.0.1:" + port)
            .connectionTimeout(Duration.ofSeconds(5)).noReconnect().build());
        connection.jetStreamManagement().addStream(StreamConfiguration.builder().name(STREAM).subjects(SUBJECT)
            .storageType(StorageType.File).build());
        consumer = connection.getStreamContext(STREAM).createOrUpdateConsumer(ConsumerConfiguration.builder()
            .durable(DURABLE).deliverPolicy(DeliverPolicy.All).ackPolicy(AckPolicy.All).maxAckPending(ACK_WINDOW)
            .build());
    }

    @Override
    public String name()
    {
        return NAME;
    }

    @Override
    public Inlet openInlet(final int stream) throws Exception
    {
        requireOneInlet(stream);
        final IterableConsumer messages = consumer.iterate(consumeOptions());
        final Acknowledging acknowledging = new Acknowledging();
        return new Inlet()
        {
            @Override
            public int poll(final Sink sink, final int limit) throws Exception
            {
                int n = reportFailedPublishes(sink);
                Message message;
                while (n < limit && (message = messages.nextMessage(1)) != null)
                {
                    acknowledging.onMessage(message, sink);
                    n++;
                }
                return n;
            }

            @Override
            public void close() throws Exception
            {
                messages.close();
            }
        };
    }

    @Override
    public Inlet openInlet(final int stream, final Sink sink) throws Exception
    {
        requireOneInlet(stream);
        final Acknowledging acknowledging = new Acknowledging();
        final MessageConsumer messages = consumer.consume(consumeOptions(), message ->
            acknowledging.onMessage(message, sink));
        return new Inlet()
        {
            @Override
            public int poll(final Sink ignored, final int limit)
            {
                // Called on the consumer's own thread, the only one reporting drops.
                return reportFailedPublishes(sink);
            }

            @Override
            public void close() throws Exception
            {
                messages.close();
            }
        };
    }

    // Pull as much as the consumer may hold unacknowledged: smaller pulls only add round trips.
    private static ConsumeOptions consumeOptions()
    {
        return ConsumeOptions.builder().batchSize(ACK_EVERY).build();
    }

    // Publishes the server refused were sent and will never arrive: report them as dropped.
    private int reportFailedPublishes(final Sink sink)
    {
        final long failed = failedPublishes.getAndSet(0);
        if (failed > 0)
        {
            sink.onDropped(failed);
            return 1;
        }
        return 0;
    }

    private void requireOneInlet(final int stream)
    {
        if (stream != 0)
        {
            throw new IllegalArgumentException("the JetStream peer carries one stream");
        }
        if (!inletOpen.compareAndSet(false, true))
        {
            // A second inlet on the one durable consumer would share its messages, not receive them all.
            throw new IllegalStateException("the JetStream consumer peer has one consumer");
        }
    }

    @Override
    public Outlet openOutlet(final int stream)
    {
        if (stream != 0)
        {
            throw new IllegalArgumentException("the JetStream peer carries one stream");
        }
        final JetStream js;
        try
        {
            js = connection.jetStream();
        }
        catch (final java.io.IOException ex)
        {
            throw new IllegalStateException("no JetStream context", ex);
        }
        final ArrayDeque<CompletableFuture<PublishAck>> pending = new ArrayDeque<>();
        return (payload, length, keyed, timestampNanos) ->
        {
            CompletableFuture<PublishAck> head;
            while ((head = pending.peek()) != null && head.isDone())
            {
                pending.poll();
                if (head.isCompletedExceptionally())
                {
                    failedPublishes.incrementAndGet();
                }
            }
            if (pending.size() >= NatsLink.JETSTREAM_WINDOW)
            {
                return false;
            }
            pending.add(js.publishAsync(SUBJECT, NatsLink.body(payload, length, timestampNanos)));
            return true;
        };
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

    /** Hands each message to the sink and acknowledges, cumulatively, as a Sluice subscriber's library does. */
    private static final class Acknowledging
    {
        private int unacknowledged;
        private long lastAckNanos = System.nanoTime();

        void onMessage(final Message message, final Sink sink)
        {
            sink.onMessage(ByteBuffer.wrap(message.getData()).getLong(0));
            final long now = System.nanoTime();
            if (++unacknowledged >= ACK_EVERY || now - lastAckNanos >= ACK_AFTER_NANOS)
            {
                message.ack();
                unacknowledged = 0;
                lastAckNanos = now;
            }
        }
    }
}
