package io.sluice.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sluice.client.ClientConfig;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.Subscription;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameType;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.peer.ConnectionLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;

import static io.sluice.server.RawFrames.data;
import static io.sluice.server.RawFrames.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The relay's connection lines, captured from logback over real loopback connections: one INFO line when a
 * connection opens and one when it closes, with the reason; connections that never get past their HELLO log at
 * DEBUG only, next to the rate-limited WARN.
 */
class ConnectionLogTest
{
    private static final int PUBLISHER = 1;
    private static final String STREAM = "logs";
    private static final String PEER = "/127\\.0\\.0\\.1:\\d+";

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger connectionLogger = (Logger)LoggerFactory.getLogger(ConnectionLog.class);
    private final Logger warningLogger = (Logger)LoggerFactory.getLogger(Relay.class);
    private Level levelBefore;
    private Relay relay;

    @BeforeEach
    void captureLogs()
    {
        levelBefore = connectionLogger.getLevel();
        connectionLogger.setLevel(Level.DEBUG);
        appender.start();
        connectionLogger.addAppender(appender);
        warningLogger.addAppender(appender);
    }

    @AfterEach
    void restore()
    {
        if (relay != null)
        {
            relay.close();
        }
        connectionLogger.detachAppender(appender);
        warningLogger.detachAppender(appender);
        connectionLogger.setLevel(levelBefore);
    }

    @Test
    void cleanCloseLogsOneOpenedAndOneClosedLinePerConnection() throws Exception
    {
        relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
        try (SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            final Subscription subscription = client.subscribe(STREAM);
            final Publication publication = client.publish(STREAM);
            Traffic.publishNumbered(publication, 10, 64);
            Traffic.awaitAcked(publication, 9);
            final OrderCheckingHandler handler = new OrderCheckingHandler();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (handler.received < 10)
            {
                if (subscription.poll(handler, 10) == 0)
                {
                    assertTrue(System.nanoTime() < deadline, handler.toString());
                    LockSupport.parkNanos(100_000);
                }
            }
            awaitLine(Level.INFO, "subscriber " + PEER + " opened on stream 'logs' \\(throttle\\)");
            awaitLine(Level.INFO, "publisher " + PEER + " opened on stream 'logs' as source 1");
        }
        awaitLine(Level.INFO,
            "publisher " + PEER + " closed on stream 'logs' after \\S+ s: peer closed; 10 messages in");
        awaitLine(Level.INFO, "subscriber " + PEER + " closed on stream 'logs' after \\S+ s: peer closed; " +
            "10 messages in, 10 out");
        assertEquals(2, count(Level.INFO, "closed on stream"), lines().toString());
    }

    @Test
    void aSubscribersCloseWhileTheRelayHasFramesToWriteIsAGoodbyeNotAnIoError() throws Exception
    {
        relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
        try (SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()));
            RawPeer subscriber = new RawPeer(relay.port()))
        {
            subscriber.handshake(2, STREAM, "");
            final Publication publication = client.publish(STREAM);
            final Thread publisher = new Thread(() -> Traffic.publishNumbered(publication, 1_000_000, 64), "publisher");
            publisher.start();
            // The subscriber reads nothing: once its lane holds the publisher, writes wait in the relay's channel.
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (relay.metrics().lanes().stream().noneMatch(lane -> lane.holdingProducers() > 0))
            {
                assertTrue(System.nanoTime() < deadline, relay.metrics().lanes().toString());
                LockSupport.parkNanos(1_000_000);
            }
            subscriber.send(RawFrames.empty(FrameType.CLOSE));
            subscriber.readUntilClosedWithoutError();
            awaitLine(Level.INFO, "subscriber " + PEER + " closed on stream 'logs' after \\S+ s: peer closed; " +
                "\\d+ messages in, \\d+ out");
            publisher.join(TimeUnit.SECONDS.toMillis(60));
        }
    }

    @Test
    void protocolErrorsGiveTheCodeAndFailedHellosStayAtDebug() throws Exception
    {
        relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).helloTimeoutMs(300).build());
        // A publisher that got its WELCOME, then sends a wrong sequence: INFO lines, with the code.
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            final RawPeer.Frame welcome = peer.handshake(PUBLISHER, STREAM, "");
            peer.send(data(welcome.streamId(), welcome.sourceId(), 5));
            assertEquals(ErrorCode.BAD_SEQUENCE, peer.awaitError(10_000).errorCode());
            awaitLine(Level.INFO, "publisher /127\\.0\\.0\\.1:" + peer.localPort() + " closed on stream 'logs' after " +
                "\\S+ s: protocol error BAD_SEQUENCE \\(.+\\); 0 messages in");
        }
        // A frame too large before any HELLO: DEBUG only for the connection, plus the rate-limited WARN.
        final int tooLarge;
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            tooLarge = peer.localPort();
            peer.send(frame(Integer.MAX_VALUE, 1, 1, 0, 0, 0, 0, new byte[0]));
            assertEquals(ErrorCode.FRAME_TOO_LARGE, peer.awaitError(10_000).errorCode());
            awaitLine(Level.DEBUG, "connection /127\\.0\\.0\\.1:" + tooLarge + " closed after \\S+ s before its " +
                "HELLO was accepted: protocol error FRAME_TOO_LARGE \\(.+\\)");
        }
        awaitLine(Level.WARN, "relay: closing /127\\.0\\.0\\.1:" + tooLarge + ": FRAME_TOO_LARGE .*");
        // Silence until the hello timeout.
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            assertEquals(ErrorCode.HELLO_TIMEOUT, peer.awaitError(10_000).errorCode());
            awaitLine(Level.DEBUG, "connection /127\\.0\\.0\\.1:" + peer.localPort() + " closed after \\S+ s before " +
                "its HELLO was accepted: hello timeout");
        }
        assertEquals(0, count(Level.INFO, "connection /"), lines().toString());
    }

    @Test
    void anErrorFromTheClientGivesItsCodeAndTextAsTheReason() throws Exception
    {
        relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            peer.handshake(2, STREAM, "");
            peer.send(RawFrames.error(ErrorCode.INTERNAL.code(), "disk full\nFAKE LOG LINE"));
            peer.readUntilClosedWithoutError();
            awaitLine(Level.INFO, "subscriber /127\\.0\\.0\\.1:" + peer.localPort() + " closed on stream 'logs' " +
                "after \\S+ s: peer sent ERROR INTERNAL \\(disk full\\?FAKE LOG LINE\\); 0 messages in, 0 out");
        }
        try (RawPeer peer = new RawPeer(relay.port()))
        {
            peer.handshake(PUBLISHER, STREAM, "");
            peer.send(RawFrames.error(4711, "from the future"));
            peer.readUntilClosedWithoutError();
            awaitLine(Level.INFO, "publisher /127\\.0\\.0\\.1:" + peer.localPort() + " closed on stream 'logs' after " +
                "\\S+ s: peer sent ERROR code 4711 \\(from the future\\); 0 messages in");
        }
    }

    @Test
    void aGracefulStopGivesTheShutdownAsTheReason() throws Exception
    {
        relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
        try (SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            final Subscription subscription = client.subscribe(STREAM);
            final Publication publication = client.publish(STREAM);
            Traffic.publishNumbered(publication, 3, 64);
            Traffic.awaitAcked(publication, 2);
            relay.close(Duration.ofSeconds(30));
            awaitLine(Level.INFO,
                "subscriber " + PEER + " closed on stream 'logs' after \\S+ s: relay shutting down; " +
                "3 messages in, 3 out");
            awaitLine(Level.INFO, "publisher " + PEER + " closed on stream 'logs' after \\S+ s: relay shutting down; " +
                "3 messages in");
            // The subscriber got everything before the relay's FIN, and closed its side.
            final OrderCheckingHandler handler = new OrderCheckingHandler();
            while (!subscription.isDrained())
            {
                subscription.poll(handler, 10);
            }
            assertEquals(3, handler.received, handler.toString());
        }
    }

    private void awaitLine(final Level level, final String regex)
    {
        final Pattern pattern = Pattern.compile(regex);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (lines().stream()
            .noneMatch(e -> e.getLevel() == level && pattern.matcher(e.getFormattedMessage()).matches()))
        {
            assertTrue(System.nanoTime() < deadline, "no " + level + " line matching " + regex + " in " + text());
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    private long count(final Level level, final String fragment)
    {
        return lines().stream()
            .filter(e -> e.getLevel() == level && e.getFormattedMessage().contains(fragment))
            .count();
    }

    // Appenders append under their own lock (AppenderBase.doAppend is synchronized): copy under it.
    private List<ILoggingEvent> lines()
    {
        synchronized (appender)
        {
            return new ArrayList<>(appender.list);
        }
    }

    private String text()
    {
        final StringBuilder sb = new StringBuilder();
        for (final ILoggingEvent e : lines())
        {
            sb.append('\n').append(e.getLevel()).append(' ').append(e.getFormattedMessage());
        }
        return sb.toString();
    }
}
