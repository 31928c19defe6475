package io.sluice.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameType;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.peer.ConnectionLog;
import io.sluice.server.metrics.PrometheusEndpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static io.sluice.server.RawFrames.data;
import static io.sluice.server.RawFrames.hello;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Over real sockets: streams a client creates by naming them go again once nobody uses them, with their metric
 * series, and past max-streams a HELLO for a new name is refused with TOO_MANY_STREAMS; a flood of connections
 * writes a bounded number of INFO lines.
 */
class StreamLifecycleTest
{
    private static final int PUBLISHER = 1;
    private static final int SUBSCRIBER = 2;
    private static final long WAIT_MS = 30_000;

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger connectionLogger = (Logger)LoggerFactory.getLogger(ConnectionLog.class);
    private Relay relay;
    private PrometheusEndpoint endpoint;

    @AfterEach
    void stop()
    {
        connectionLogger.detachAppender(appender);
        if (endpoint != null)
        {
            endpoint.close();
        }
        if (relay != null)
        {
            relay.close();
        }
    }

    @Test
    void streamsNobodyUsesGoWithTheirMetricsAfterTheIdleTimeout() throws Exception
    {
        appender.start();
        connectionLogger.addAppender(appender);
        relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).streamIdleTimeoutMs(300).build());
        endpoint = PrometheusEndpoint.start(relay, 0);
        final int streams = 200;
        final long start = System.nanoTime();
        try (RawPeer kept = new RawPeer(relay.port()))
        {
            // A subscriber holds this one throughout: it stays.
            kept.handshake(SUBSCRIBER, "kept", "");
            final List<RawPeer> publishers = new ArrayList<>();
            try
            {
                // One publisher per new name, each sends one message and has it acknowledged (no subscriber: unrouted).
                for (int i = 0; i < streams; i++)
                {
                    final RawPeer publisher = new RawPeer(relay.port());
                    publishers.add(publisher);
                    final RawPeer.Frame welcome = publisher.handshake(PUBLISHER, "flood-" + i, "");
                    publisher.send(data(welcome.streamId(), welcome.sourceId(), 0));
                    assertEquals(FrameType.ACK, publisher.readFrame().type());
                }
                assertEquals(streams + 1, relay.metrics().streamCount());
                final String during = scrape();
                final String last = "sluice_stream_unrouted_messages_total{stream=\"flood-" + (streams - 1) + "\"} 1";
                assertTrue(during.contains(last), "a flood stream's series while it is used");
            }
            finally
            {
                for (final RawPeer publisher : publishers)
                {
                    publisher.close();
                }
            }
            awaitCondition(() -> "idle streams removed; " + relay.metrics().streamCount() + " left",
                () -> relay.metrics().streamCount() == 1);
            final String after = scrape();
            assertFalse(after.contains("flood-"), "series of removed streams still on /metrics");
            assertTrue(after.contains("sluice_stream_subscribers{stream=\"kept\"} 1"), "the used stream stayed");
            assertTrue(after.contains("sluice_streams 1"), "the streams gauge");
        }
        // Two INFO lines per connection (opened, closed) pass the relay's rate limit of 10 a second, plus one line a
        // second saying how many were suppressed.
        final long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) + 1;
        final long infoLines = infoLines();
        assertTrue(infoLines <= 11 * (seconds + 1),
            infoLines + " INFO connection lines in " + seconds + " s for " + (streams + 1) + " connections");
    }

    @Test
    void pastMaxStreamsANewNameIsRefusedUntilAStreamGoes() throws Exception
    {
        relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).maxStreams(3).streamIdleTimeoutMs(200).build());
        final List<RawPeer> holders = new ArrayList<>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                final RawPeer holder = new RawPeer(relay.port());
                holders.add(holder);
                holder.handshake(i % 2 == 0 ? PUBLISHER : SUBSCRIBER, "held-" + i, "");
            }
            for (final int role : new int[]{PUBLISHER, SUBSCRIBER})
            {
                try (RawPeer refused = new RawPeer(relay.port()))
                {
                    refused.send(hello(role, "one-too-many", "", ""));
                    final RawPeer.Frame error = refused.awaitError(WAIT_MS);
                    assertEquals(ErrorCode.TOO_MANY_STREAMS, error.errorCode(), error.toString());
                    final String text = error.errorText();
                    assertTrue(text.contains("'one-too-many'") && text.contains("max-streams"), text);
                    refused.assertClosedByRelay();
                }
            }
            assertEquals(2, relay.metrics().protocolErrors(ErrorCode.TOO_MANY_STREAMS));
            // Streams that exist can still be joined.
            try (RawPeer joiner = new RawPeer(relay.port()))
            {
                joiner.handshake(SUBSCRIBER, "held-0", "");
            }
        }
        finally
        {
            for (final RawPeer holder : holders)
            {
                holder.close();
            }
        }
        awaitCondition(() -> "idle streams removed; " + relay.metrics().streamCount() + " left",
            () -> relay.metrics().streamCount() == 0);
        try (RawPeer late = new RawPeer(relay.port()))
        {
            late.handshake(PUBLISHER, "one-too-many", "");
        }
    }

    private String scrape() throws Exception
    {
        final HttpRequest request = HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + endpoint.port() + "/metrics")).build();
        final HttpResponse<String> response =
            HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        return response.body();
    }

    private long infoLines()
    {
        synchronized (appender)
        {
            return appender.list.stream().filter(e -> e.getLevel() == Level.INFO).count();
        }
    }

    private static void awaitCondition(final Supplier<String> what, final BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("timed out after " + WAIT_MS + " ms waiting for " + what.get());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }
}
