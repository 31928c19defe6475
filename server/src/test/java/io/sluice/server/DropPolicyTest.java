package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.MessageHandler;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.Subscription;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.Header;
import io.sluice.core.util.EpochClock;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.config.StreamConfig;
import io.sluice.server.drop.DropPolicySpec;
import io.sluice.server.drop.DropReason;
import io.sluice.server.lane.LaneSnapshot;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Drop policies over real loopback sockets. The subscriber stops reading until its lane has dropped a few thousand
 * messages, then reads everything. What users rely on: every message sent is either delivered or counted in a GAP
 * frame that arrives before the next message of its source, drops are counted by reason on the relay, nothing
 * stays behind, and what survives keeps its order.
 */
class DropPolicyTest
{
    private static final int PAYLOAD = 64;
    private static final long MIN_DROPPED = 2_000;

    private Relay relay;
    private SluiceClient client;

    @TempDir
    Path spillDir;

    /** The relay's settings; the TLS variant of this test adds TLS. */
    RelayConfig relayConfig(final RelayConfig config)
    {
        return config;
    }

    /** The clients' settings; the TLS variant of this test adds TLS. */
    ClientConfig clientConfig(final ClientConfig config)
    {
        return config;
    }

    private void start(final StreamConfig stream)
    {
        relay = Relay.start(relayConfig(RelayConfig.builder().port(0).ioThreads(2).spillDirectory(spillDir)
            .defaultStream(stream.withMemoryBytes(64 * 1024)).build()));
        client = new SluiceClient(clientConfig(ClientConfig.of("127.0.0.1", relay.port()).withIoThreads(2)));
    }

    @AfterEach
    void stop()
    {
        if (client != null)
        {
            client.close();
        }
        if (relay != null)
        {
            relay.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"drop-newest", "drop-oldest", "sample", "deadline"})
    void everyMessageIsDeliveredOrAnnouncedInAGapAndSurvivorsKeepTheirOrder(final String policy) throws Exception
    {
        StreamConfig stream = StreamConfig.DEFAULT.withStrategyName(policy);
        if ("deadline".equals(policy))
        {
            stream = stream.withOnFull(stream.onFull().withDeadlineNanos(TimeUnit.MILLISECONDS.toNanos(1)));
        }
        start(stream);
        final Subscription subscription = client.subscribe("lossy");
        final Publication publication = client.publish("lossy");

        final long sent = publishUntilDropped(publication, 0);
        final GapCheckingHandler handler = drain(subscription, sent);

        assertTrue(handler.clean(), handler.toString());
        assertEquals(sent, handler.received + handler.gapMessages, handler.toString());
        final int reason = stream.onFull().newPolicy().reason();
        assertEquals(handler.gapMessages, handler.gapMessagesByReason[reason], "gaps by reason: " + handler);
        assertLaneAccounts(sent, handler.received, handler.gapMessages, policy);
    }

    /**
     * Messages larger than a memory-tier record (an eighth of {@code memory}): a 1 MiB memory tier and 200 KiB
     * messages, so each is stored as two fragments and at most a few fit. The producer sends at full rate; the
     * subscriber starts reading, slowly, once the lane has dropped some, so the lane keeps dropping while it writes.
     */
    @ParameterizedTest
    @ValueSource(strings = {"drop-oldest", "deadline", "drop-newest", "latest-by-key", "sample"})
    void messagesLargerThanAMemoryRecordAreDeliveredOrAnnounced(final String policy) throws Exception
    {
        final int payloadLength = 200 * 1024;
        final long sent = 400;
        final long minDropped = 20;
        StreamConfig stream = StreamConfig.DEFAULT.withStrategyName(policy).withMemoryBytes(1024 * 1024);
        if ("deadline".equals(policy))
        {
            stream = stream.withOnFull(stream.onFull().withDeadlineNanos(TimeUnit.SECONDS.toNanos(10)));
        }
        relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).defaultStream(stream).build());
        client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()).withIoThreads(2)
            .withMaxMessageLength(payloadLength));
        final Subscription subscription = client.subscribe("large");
        final Publication publication = client.publish("large");
        final Thread producer = new Thread(() ->
        {
            final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(payloadLength));
            for (long sequence = 0; sequence < sent; sequence++)
            {
                payload.putLong(0, sequence);
                while (publication.offer(payload, 0, payloadLength, 0, EpochClock.nanos()) < 0)
                {
                    LockSupport.parkNanos(100_000);
                }
            }
        }, "producer");
        producer.start();

        final GapCheckingHandler handler = new GapCheckingHandler();
        long seen = 0;
        long lastProgress = System.nanoTime();
        boolean reading = false;
        while (producer.isAlive() || handler.received + handler.gapMessages < sent)
        {
            assertTrue(subscription.isConnected(), "subscription dropped: " + subscription.closeReason());
            if (handler.received + handler.gapMessages > seen)
            {
                seen = handler.received + handler.gapMessages;
                lastProgress = System.nanoTime();
            }
            // A stuck lane fails here, not only at the end.
            assertTrue(System.nanoTime() - lastProgress < TimeUnit.SECONDS.toNanos(20),
                "nothing arrived for 20 s: " + handler + " of " + sent + " sent; lane " + relay.metrics().lanes());
            if (reading || dropped() >= minDropped || !producer.isAlive())
            {
                reading = true;
                subscription.poll(handler, 1);
            }
            LockSupport.parkNanos(handler.received < sent / 2 ? 2_000_000 : 10_000);
        }
        producer.join();

        assertTrue(handler.gapMessages >= minDropped, handler.toString());
        assertTrue(handler.clean(), handler.toString());
        assertEquals(sent, handler.received + handler.gapMessages, handler.toString());
        assertLaneAccounts(sent, handler.received, handler.gapMessages, policy);
    }

    @Test
    void droppedMessagesAreKeptInTheDeadLetterStore(@TempDir final Path deadLetterDir) throws Exception
    {
        relay = Relay.start(relayConfig(RelayConfig.builder().port(0).ioThreads(2).deadLetterDirectory(deadLetterDir)
            .deadLetterQuotaBytes(64L << 20)
            .defaultStream(StreamConfig.DEFAULT.withStrategyName("drop-oldest").withMemoryBytes(64 * 1024)).build()));
        client = new SluiceClient(clientConfig(ClientConfig.of("127.0.0.1", relay.port()).withIoThreads(2)));
        final Subscription subscription = client.subscribe("kept");
        final Publication publication = client.publish("kept");

        final long sent = publishUntilDropped(publication, 0);
        final java.util.BitSet received = new java.util.BitSet();
        final GapCheckingHandler checker = new GapCheckingHandler();
        pollUntil(subscription, new MessageHandler()
        {
            @Override
            public void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
            {
                received.set((int)header.sequence());
                checker.onMessage(buffer, offset, length, header);
            }

            @Override
            public void onGap(final Header header)
            {
                checker.onGap(header);
            }
        }, () -> checker.received + checker.gapMessages >= sent);
        client.close();
        client = null;
        relay.close(); // the spill thread writes what was handed to it before it stops
        relay = null;

        // Exactly the messages the subscriber did not get, each once, with its payload and the reason.
        final java.util.BitSet deadLettered = new java.util.BitSet();
        final long[] problems = new long[1];
        try (io.sluice.spill.deadletter.DeadLetterReader reader = io.sluice.spill.deadletter.DeadLetterReader.open(
            deadLetterDir, FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH))
        {
            while (reader.read(record ->
            {
                final int sequence = (int)record.sequence();
                if (deadLettered.get(sequence) || record.reason() != DropReason.DROP_OLDEST
                    || !record.streamEquals("kept") || record.buffer().getLong(record.payloadOffset()) != sequence)
                {
                    problems[0]++;
                }
                deadLettered.set(sequence);
            }, 1000) > 0)
            {
                assertEquals(0, problems[0]);
            }
        }
        assertEquals(0, problems[0], "duplicates, wrong reasons, streams or payloads");
        assertEquals(checker.gapMessages, deadLettered.cardinality(), checker.toString());
        assertTrue(!received.intersects(deadLettered), "a message both delivered and dead-lettered");
        assertEquals(sent, received.cardinality() + deadLettered.cardinality());
    }

    @Test
    void latencySizedBuffersOnBothEndsKeepTheAccounts() throws Exception
    {
        relay = Relay.start(relayConfig(RelayConfig.builder().port(0).ioThreads(2).subscriberSendBufferBytes(16 * 1024)
            .waterMarks(8 * 1024, 16 * 1024).defaultStream(StreamConfig.DEFAULT.withStrategyName("drop-oldest")
                .withMemoryBytes(16 * 1024)).build()));
        client = new SluiceClient(clientConfig(ClientConfig.of("127.0.0.1", relay.port()).withIoThreads(2)
            .withReceiveBufferBytes(16 * 1024).withSubscriptionRingBytes(16 * 1024)));
        final Subscription subscription = client.subscribe("fresh");
        final Publication publication = client.publish("fresh");

        final long sent = publishUntilDropped(publication, 0);
        final GapCheckingHandler handler = drain(subscription, sent);

        assertTrue(handler.clean(), handler.toString());
        assertEquals(sent, handler.received + handler.gapMessages, handler.toString());
        assertLaneAccounts(sent, handler.received, handler.gapMessages, "drop-oldest");
        assertTrue(relay.metrics().lanes().get(0).memoryBytes() <= 16 * 1024);
    }

    @Test
    void spillThenDropNewestWhenTheDiskQuotaIsFull() throws Exception
    {
        start(StreamConfig.DEFAULT.withStrategyName("spill").withOnFull(DropPolicySpec.of("drop-newest"))
            .withSpillQuotaBytes(1024 * 1024));
        final Subscription subscription = client.subscribe("spill-then-drop");
        final Publication publication = client.publish("spill-then-drop");

        final long sent = publishUntilDropped(publication, 0);
        final GapCheckingHandler handler = drain(subscription, sent);

        assertTrue(handler.clean(), handler.toString());
        assertEquals(sent, handler.received + handler.gapMessages, handler.toString());
        assertEquals(handler.gapMessages, handler.gapMessagesByReason[DropReason.DROP_NEWEST], handler.toString());
        final LaneSnapshot lane = assertLaneAccounts(sent, handler.received, handler.gapMessages, "spill+drop-newest");
        assertTrue(lane.spilled() > 0, "never spilled: " + lane);
    }

    @Test
    void spillThenDeadlineAnnouncesRestoredMessagesPastTheDeadlineBetweenTheOnesKept() throws Exception
    {
        // Every third message is stamped ten seconds old, the others an hour ahead: messages restored from disk past
        // their deadline lie between ones kept, and each must be announced between them, not ahead of them.
        relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).spillDirectory(spillDir)
            .subscriberSendBufferBytes(16 * 1024).defaultStream(StreamConfig.DEFAULT.withStrategyName("spill")
                .withOnFull(DropPolicySpec.of("deadline").withDeadlineNanos(TimeUnit.SECONDS.toNanos(1)))
                .withMemoryBytes(64 * 1024)).build());
        client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()).withIoThreads(2)
            .withReceiveBufferBytes(16 * 1024).withSubscriptionRingBytes(16 * 1024));
        final Subscription subscription = client.subscribe("aging");
        final Publication publication = client.publish("aging");
        final int sent = 20_000;
        final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
        for (long sequence = 0; sequence < sent; sequence++)
        {
            payload.putLong(0, sequence);
            final long timestamp = EpochClock.nanos() + (sequence % 3 == 0 ? -TimeUnit.SECONDS.toNanos(10)
                : TimeUnit.HOURS.toNanos(1));
            while (publication.offer(payload, 0, PAYLOAD, 0, timestamp) < 0)
            {
                LockSupport.parkNanos(10_000);
            }
        }
        Traffic.awaitAcked(publication, sent - 1);
        final GapCheckingHandler handler = drain(subscription, sent);

        assertTrue(handler.clean(), handler.toString());
        assertEquals((sent + 2) / 3, handler.gapMessages, handler.toString());
        assertEquals(handler.gapMessages, handler.gapMessagesByReason[DropReason.DEADLINE], handler.toString());
        final LaneSnapshot lane = assertLaneAccounts(sent, handler.received, handler.gapMessages, "spill+deadline");
        assertTrue(lane.restored() > 0, "nothing went through the disk tier: " + lane);
    }

    @Test
    void latestByKeyKeepsTheNewestMessageOfEveryKey() throws Exception
    {
        start(StreamConfig.DEFAULT.withStrategyName("latest-by-key"));
        final Subscription subscription = client.subscribe("prices");
        final Publication publication = client.publish("prices");
        final int keys = 16;

        final long sent = publishUntilDropped(publication, keys);
        final Map<Long, Long> lastByKey = new HashMap<>();
        final long[] counts = new long[3]; // received, gap messages, per-key order violations
        final MessageHandler handler = new MessageHandler()
        {
            @Override
            public void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
            {
                counts[0]++;
                final Long previous = lastByKey.put(header.key(), header.sequence());
                if (previous != null && previous >= header.sequence())
                {
                    counts[2]++;
                }
            }

            @Override
            public void onGap(final Header header)
            {
                counts[1] += header.gapDroppedCount();
            }
        };
        pollUntil(subscription, handler, () -> counts[0] + counts[1] >= sent);

        assertEquals(sent, counts[0] + counts[1], "received " + counts[0] + " + gap messages " + counts[1]);
        assertEquals(0, counts[2], "a key's messages arrived out of order");
        assertEquals(keys, lastByKey.size());
        for (long key = 0; key < keys; key++)
        {
            // The message sent last for each key is never the one dropped.
            final long lastSent = sent - 1 - ((sent - 1 - key) % keys);
            assertEquals(lastSent, lastByKey.get(key), "key " + key);
        }
        assertLaneAccounts(sent, counts[0], counts[1], "latest-by-key");
    }

    @Test
    void latestByKeyKeepsEachSourcesOrderAndAnnouncesEveryGapFirst() throws Exception
    {
        // Two publishers, eight keys each, interleaved: a newer message of a key must not overtake older waiting
        // messages of its own source, and each replaced message's GAP must arrive before the next DATA of its source.
        start(StreamConfig.DEFAULT.withStrategyName("latest-by-key"));
        final Subscription subscription = client.subscribe("quotes");
        final Publication[] publications = {client.publish("quotes"), client.publish("quotes")};
        final int keys = 8;
        final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
        final long[] sent = new long[publications.length];
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (dropped() < MIN_DROPPED)
        {
            assertTrue(System.nanoTime() < deadline, "only " + dropped() + " dropped");
            for (int p = 0; p < publications.length; p++)
            {
                for (int i = 0; i < 250; i++)
                {
                    final long sequence = sent[p]++;
                    payload.putLong(0, 100L * p + sequence % keys, java.nio.ByteOrder.BIG_ENDIAN);
                    payload.putLong(8, sequence);
                    while (publications[p].offer(payload, 0, PAYLOAD, FrameDescriptor.FLAG_KEYED,
                        EpochClock.nanos()) < 0)
                    {
                        LockSupport.parkNanos(10_000);
                    }
                }
                Traffic.awaitAcked(publications[p], sent[p] - 1);
            }
        }
        final long total = sent[0] + sent[1];
        final Map<Long, Long> lastByKey = new HashMap<>();
        final GapCheckingHandler checker = new GapCheckingHandler();
        pollUntil(subscription, new MessageHandler()
        {
            @Override
            public void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
            {
                lastByKey.put(header.key(), header.sequence());
                checker.onMessage(buffer, offset, length, header);
            }

            @Override
            public void onGap(final Header header)
            {
                checker.onGap(header);
            }
        }, () -> checker.received + checker.gapMessages >= total);

        assertTrue(checker.clean(), checker.toString());
        assertEquals(total, checker.received + checker.gapMessages, checker.toString());
        assertEquals(checker.gapMessages, checker.gapMessagesByReason[DropReason.LATEST_BY_KEY], checker.toString());
        for (int p = 0; p < publications.length; p++)
        {
            for (long key = 0; key < keys; key++)
            {
                final long lastSent = sent[p] - 1 - ((sent[p] - 1 - key) % keys);
                assertEquals(lastSent, lastByKey.get(100L * p + key), "source " + p + " key " + key);
            }
        }
        assertLaneAccounts(total, checker.received, checker.gapMessages, "latest-by-key");
    }

    @ParameterizedTest
    @ValueSource(strings = {"keep-keyed", "io.sluice.example.KeepKeyedPolicy"})
    void customPolicyLoadedByServiceNameOrClassNameDecidesWhatGoes(final String name) throws Exception
    {
        start(StreamConfig.DEFAULT.withStrategyName("buffer").withOnFull(DropPolicySpec.of(name)));
        final Subscription subscription = client.subscribe("commands");
        final Publication publication = client.publish("commands");

        // Unkeyed messages (telemetry) until the full lane has dropped some; then keyed ones (commands), which the
        // policy keeps by throttling the producer, so they can only all arrive once the subscriber reads.
        final long unkeyed = publishUntilDropped(publication, 0);
        final int commands = 2_000;
        final Thread producer = new Thread(() -> publishKeyed(publication, unkeyed, commands), "commands");
        producer.start();
        final long sent = unkeyed + commands;
        final long[] keyed = new long[1];
        final GapCheckingHandler checker = new GapCheckingHandler();
        final MessageHandler handler = new MessageHandler()
        {
            @Override
            public void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
            {
                if (header.isKeyed())
                {
                    keyed[0]++;
                }
                checker.onMessage(buffer, offset, length, header);
            }

            @Override
            public void onGap(final Header header)
            {
                checker.onGap(header);
            }
        };
        pollUntil(subscription, handler, () -> checker.received + checker.gapMessages >= sent);
        producer.join();

        assertTrue(checker.clean(), checker.toString());
        assertEquals(sent, checker.received + checker.gapMessages, checker.toString());
        assertEquals(commands, keyed[0], "every keyed message arrives");
        assertTrue(checker.gapMessages >= MIN_DROPPED, checker.toString());
        assertEquals(checker.gapMessages, checker.gapMessagesByReason[DropReason.CUSTOM], checker.toString());
        assertLaneAccounts(sent, checker.received, checker.gapMessages, null);
    }

    private static void publishKeyed(final Publication publication, final long firstSequence, final int count)
    {
        final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
        for (long sequence = firstSequence; sequence < firstSequence + count; sequence++)
        {
            payload.putLong(0, sequence);
            while (publication.offer(payload, 0, PAYLOAD, FrameDescriptor.FLAG_KEYED, EpochClock.nanos()) < 0)
            {
                LockSupport.parkNanos(10_000);
            }
        }
    }

    /**
     * Publishes numbered messages while the subscriber reads nothing, until the lane has dropped {@link #MIN_DROPPED}.
     *
     * @param keys 0: unkeyed; positive: keyed, key = sequence % keys.
     * @return messages sent, all acknowledged by the relay.
     */
    private long publishUntilDropped(final Publication publication, final int keys)
    {
        final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        long sequence = 0;
        while (dropped() < MIN_DROPPED)
        {
            assertTrue(System.nanoTime() < deadline, "only " + dropped() + " dropped after " + sequence + " sent");
            for (int i = 0; i < 500; i++)
            {
                int flags = 0;
                if (keys > 0)
                {
                    flags = FrameDescriptor.FLAG_KEYED;
                    payload.putLong(0, sequence % keys, java.nio.ByteOrder.BIG_ENDIAN);
                    payload.putLong(8, sequence);
                }
                else
                {
                    payload.putLong(0, sequence);
                }
                while (publication.offer(payload, 0, PAYLOAD, flags, EpochClock.nanos()) < 0)
                {
                    LockSupport.parkNanos(10_000);
                }
                sequence++;
            }
            Traffic.awaitAcked(publication, sequence - 1);
        }
        return sequence;
    }

    private long dropped()
    {
        long dropped = 0;
        for (final LaneSnapshot lane : relay.metrics().lanes())
        {
            for (final long count : lane.droppedByReason().values())
            {
                dropped += count;
            }
        }
        return dropped;
    }

    private GapCheckingHandler drain(final Subscription subscription, final long sent)
    {
        final GapCheckingHandler handler = new GapCheckingHandler();
        pollUntil(subscription, handler, () -> handler.received + handler.gapMessages >= sent);
        return handler;
    }

    private void pollUntil(final Subscription subscription, final MessageHandler handler,
        final java.util.function.BooleanSupplier done)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!done.getAsBoolean())
        {
            assertTrue(System.nanoTime() < deadline, "timed out draining: " + handler + " " + relay.metrics().lanes());
            assertTrue(subscription.isConnected(), "subscription dropped: " + subscription.closeReason());
            if (subscription.poll(handler, 10_000) == 0)
            {
                LockSupport.parkNanos(50_000);
            }
        }
    }

    /** The relay's side of the books: in = out + dropped, nothing waiting, drops under the policy's reason. */
    private LaneSnapshot assertLaneAccounts(final long sent, final long received, final long gapMessages,
        final String label)
    {
        final LaneSnapshot lane = relay.metrics().lanes().get(0);
        assertEquals(sent, lane.messagesIn(), lane.toString());
        assertEquals(received, lane.messagesOut(), lane.toString());
        assertEquals(0, lane.waitingMessages(), lane.toString());
        long dropped = 0;
        for (final long count : lane.droppedByReason().values())
        {
            dropped += count;
        }
        assertEquals(gapMessages, dropped, lane.toString());
        if (label != null)
        {
            assertEquals(label, lane.strategy());
        }
        return lane;
    }
}
