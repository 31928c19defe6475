package io.sluice.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.sluice.client.ClientConfig;
import io.sluice.client.SluiceClient;
import io.sluice.client.Subscription;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.server.Relay;
import io.sluice.server.config.RelayConfig;
import io.sluice.spill.deadletter.DeadLetterDescriptor;
import io.sluice.spill.deadletter.DeadLetterStore;
import io.sluice.spill.SpillConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code sluice dead-letter list|replay} over a store written by {@link DeadLetterStore}: listing in text and JSON with
 * filters, and a replay into an in-process relay that a subscriber receives exactly, in order.
 */
class DeadLetterCommandTest
{
    /** 2026-01-01T00:00:00Z. */
    private static final long DROP_TIME = 1_767_225_600_000_000_000L;
    private static final int ORDERS = 30;
    private static final int PRICES = 10;

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int execute(final String... args)
    {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        final CommandLine commandLine = new CommandLine(new DeadLetterCommand());
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    private List<String> lines()
    {
        return out.toString().lines().toList();
    }

    private static String payload(final String stream, final int i)
    {
        return stream + "-" + i;
    }

    /**
     * Dead letters as a relay would keep them: "orders" messages 0..29 dropped oldest-first (the keyed ones every
     * third), interleaved with "prices" messages 0..9 dropped for their deadline.
     */
    private void writeStore()
    {
        final DeadLetterStore store = DeadLetterStore.create(
            SpillConfig.of(dir, 16L << 20).withFreeSpaceMarginBytes(16L << 20).withMaxFrameLength(64 * 1024));
        final ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(256);
        try
        {
            int prices = 0;
            for (int i = 0; i < ORDERS; i++)
            {
                offer(store, buf, "orders", DeadLetterDescriptor.REASON_DROP_OLDEST, 4, i, i % 3 == 0);
                if (i % 3 == 2 && prices < PRICES)
                {
                    offer(store, buf, "prices", DeadLetterDescriptor.REASON_DEADLINE, 5, prices++, false);
                }
            }
            while (store.drain(100) > 0)
            {
                // drain
            }
            assertEquals(ORDERS + PRICES, store.written());
        }
        finally
        {
            buf.release();
            store.close();
        }
    }

    private static void offer(final DeadLetterStore store, final ByteBuf buf, final String stream, final int reason,
        final int source, final int i, final boolean keyed)
    {
        final byte[] text = payload(stream, i).getBytes(StandardCharsets.US_ASCII);
        final byte[] payload = keyed ? new byte[8 + text.length] : text;
        if (keyed)
        {
            System.arraycopy(text, 0, payload, 8, text.length);
        }
        buf.clear();
        Frames.writeHeader(buf, FrameDescriptor.HEADER_LENGTH + payload.length, FrameType.DATA,
            keyed ? FrameDescriptor.FLAG_KEYED : 0, 1, source, i, 1_000L + i);
        buf.writeBytes(payload);
        assertEquals(1, store.offer(stream, reason, DROP_TIME + i, buf, 0, buf.writerIndex()));
    }

    @Test
    void listShowsEveryRecordAsTextAndFiltersThem()
    {
        writeStore();
        assertEquals(0, execute("list", "--dir", dir.toString()));
        List<String> lines = lines();
        assertEquals(ORDERS + PRICES, lines.size(), out.toString());
        assertEquals("2026-01-01T00:00:00Z orders source=4 seq=0 reason=drop-oldest bytes=16", lines.get(0));
        assertEquals("2026-01-01T00:00:00.000000002Z orders source=4 seq=2 reason=drop-oldest bytes=8", lines.get(2));
        assertEquals("2026-01-01T00:00:00Z prices source=5 seq=0 reason=deadline bytes=8", lines.get(3));
        assertTrue(err.toString().contains("40 dead letter(s) listed"), err.toString());
        for (int pass = 0; pass < 2; pass++)
        {
            assertEquals(0, execute("list", "--dir", dir.toString()));
            assertEquals(ORDERS + PRICES, lines().size(), "listing consumes nothing");
        }

        assertEquals(0, execute("list", "--dir", dir.toString(), "--stream", "prices", "--payload"));
        lines = lines();
        assertEquals(PRICES, lines.size());
        // "prices-0" in hex, whole (shorter than the 32-byte preview).
        assertTrue(lines.get(0).endsWith(" bytes=8 payload=7072696365732d30"), lines.get(0));

        assertEquals(0, execute("list", "--dir", dir.toString(), "--reason", "drop-oldest", "--limit", "5",
            "--payload", "4"));
        lines = lines();
        assertEquals(5, lines.size());
        assertTrue(lines.stream().allMatch(l -> l.contains(" orders ")), out.toString());
        assertTrue(lines.get(1).endsWith(" payload=6f726465..."), lines.get(1)); // "orde", then more

        assertEquals(0, execute("list", "--dir", dir.toString(), "--reason", "sample,6"));
        assertEquals(List.of(), lines());
    }

    @Test
    void listWritesOneJsonObjectPerLine()
    {
        writeStore();
        assertEquals(0, execute("list", "--dir", dir.toString(), "--json", "--stream", "orders", "--limit", "2",
            "--payload", "64"));
        final List<String> lines = lines();
        assertEquals(2, lines.size());
        assertEquals("{\"dropTime\":\"2026-01-01T00:00:00Z\",\"dropTimeNanos\":" + DROP_TIME + ",\"stream\":\"orders\","
            + "\"sourceId\":4,\"sequence\":0,\"timestampNanos\":1000,\"reason\":\"drop-oldest\",\"reasonCode\":2,"
            + "\"flags\":1,\"payloadLength\":16,\"payload\":\"00000000000000006f72646572732d30\"}", lines.get(0));
        assertTrue(lines.get(1).contains("\"sequence\":1,") && lines.get(1).contains("\"flags\":0,"), lines.get(1));
    }

    @Test
    void badInputIsReportedWithItsExitCode()
    {
        assertEquals(DeadLetterCommand.EXIT_FAILED, execute("list", "--dir", dir.resolve("missing").toString()));
        assertTrue(err.toString().contains("no such directory"), err.toString());
        assertEquals(DeadLetterCommand.EXIT_FAILED, execute("list", "--dir", dir.toString()));
        assertTrue(err.toString().contains("holds no dead-letter store"), err.toString());
        assertEquals(2, execute("list", "--dir", dir.toString(), "--reason", "bogus"));
        assertTrue(err.toString().contains("unknown drop reason 'bogus'"), err.toString());
        assertEquals(2, execute("list"));
        assertEquals(2, execute());
        assertEquals(2, execute("replay", "--dir", dir.toString(), "--port", "0"));
        assertTrue(err.toString().contains("port must be 1..65535"), err.toString());
        assertEquals(0, execute("replay", "--help"));
        assertTrue(out.toString().contains("--keep-timestamps"), out.toString());
    }

    @Test
    void replayPublishesExactlyTheSelectedMessagesInOrder() throws Exception
    {
        writeStore();
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            final Subscription replayed = client.subscribe("replayed");
            final Subscription orders = client.subscribe("orders");
            final Subscription prices = client.subscribe("prices");

            // All orders into one stream of our choosing.
            assertEquals(0, execute("replay", "--dir", dir.toString(), "--stream", "orders", "--to", "replayed",
                "--port", Integer.toString(relay.port())), err.toString());
            assertEquals("replayed 30 message(s) into {replayed=30}", out.toString().trim());
            final List<Received> intoReplayed = receive(replayed, ORDERS);
            for (int i = 0; i < ORDERS; i++)
            {
                final Received message = intoReplayed.get(i);
                assertEquals(payload("orders", i), message.text(), "order kept");
                assertEquals(i % 3 == 0 ? FrameDescriptor.FLAG_KEYED : 0, message.flags(), "flags kept");
                assertEquals(i, message.sequence(), "a new publication numbers them afresh");
                assertTrue(message.timestamp() > DROP_TIME, "stamped now");
            }

            // Everything back into the streams it came from, with the original timestamps.
            assertEquals(0, execute("replay", "--dir", dir.toString(), "--keep-timestamps",
                "--port", Integer.toString(relay.port())), err.toString());
            assertEquals("replayed 40 message(s) into {orders=30, prices=10}", out.toString().trim());
            final List<Received> intoOrders = receive(orders, ORDERS);
            for (int i = 0; i < ORDERS; i++)
            {
                assertEquals(payload("orders", i), intoOrders.get(i).text());
                assertEquals(1_000L + i, intoOrders.get(i).timestamp());
            }
            final List<Received> intoPrices = receive(prices, PRICES);
            for (int i = 0; i < PRICES; i++)
            {
                assertEquals(payload("prices", i), intoPrices.get(i).text());
            }

            // Exactly those, once each: the relay acknowledged every replayed message (so each had reached the
            // subscribers' lanes) before the command returned, so what a later replay publishes queues behind them.
            // The next message on each stream must therefore be the next replay's first.
            assertEquals(0, execute("replay", "--dir", dir.toString(), "--limit", "4",
                "--port", Integer.toString(relay.port())));
            assertEquals("replayed 4 message(s) into {orders=3, prices=1}", out.toString().trim());
            assertEquals(List.of("orders-0", "orders-1", "orders-2"), texts(receive(orders, 3)));
            assertEquals(List.of("prices-0"), texts(receive(prices, 1)));
            assertEquals(0, execute("replay", "--dir", dir.toString(), "--stream", "prices", "--limit", "1",
                "--to", "replayed", "--port", Integer.toString(relay.port())));
            assertEquals(List.of("prices-0"), texts(receive(replayed, 1)));
        }
    }

    private static List<String> texts(final List<Received> received)
    {
        return received.stream().map(Received::text).toList();
    }

    @Test
    void replayTakesTheRelaysTokenFromAFile(@TempDir final Path secrets) throws Exception
    {
        writeStore();
        final String right = Files.writeString(secrets.resolve("right"), "s3cret\n").toString();
        final String wrong = Files.writeString(secrets.resolve("wrong"), "guess").toString();
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).authToken("s3cret").build()))
        {
            final String port = Integer.toString(relay.port());
            assertEquals(DeadLetterCommand.EXIT_FAILED, execute("replay", "--dir", dir.toString(), "--port", port,
                "--token-file", wrong));
            assertTrue(err.toString().contains("AUTH_FAILED"), err.toString());
            assertEquals(0, execute("replay", "--dir", dir.toString(), "--port", port, "--token-file", right),
                err.toString());
            assertEquals("replayed 40 message(s) into {orders=30, prices=10}", out.toString().trim());
        }
    }

    @Test
    void replayToAnUnreachableRelayFails()
    {
        writeStore();
        assertEquals(DeadLetterCommand.EXIT_FAILED, execute("replay", "--dir", dir.toString(), "--port", "1",
            "--timeout", "2s"));
        assertTrue(err.toString().contains("cannot publish to stream orders"), err.toString());
    }

    record Received(String text, int flags, long sequence, long timestamp)
    {
    }

    /** Polls until {@code count} messages arrived (failing after 30 s). */
    private static List<Received> receive(final Subscription subscription, final int count)
    {
        final List<Received> received = new ArrayList<>();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (received.size() < count)
        {
            assertTrue(System.nanoTime() < deadline, "received " + received.size() + " of " + count);
            final int n = subscription.poll((buffer, offset, length, header) ->
            {
                final int start = header.isKeyed() ? 8 : 0;
                received.add(new Received(buffer.getStringWithoutLengthAscii(offset + start, length - start),
                    header.flags(), header.sequence(), header.timestampNanos()));
            }, count - received.size());
            if (n == 0)
            {
                LockSupport.parkNanos(100_000);
            }
        }
        assertEquals(count, received.size(), "never polls past what was asked for");
        return received;
    }
}
