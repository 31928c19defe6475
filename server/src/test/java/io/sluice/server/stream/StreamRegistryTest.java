package io.sluice.server.stream;

import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.ProtocolException;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.config.StreamConfig;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Streams come with the first HELLO that names them and go once no connection has held them for the idle timeout,
 * within a maximum number; driven directly with a hand-advanced clock.
 */
class StreamRegistryTest
{
    private static final int TIMEOUT_MS = 60_000;

    private long now = 1_000_000_000L;

    private StreamRegistry registry(final RelayConfig.Builder config)
    {
        return new StreamRegistry(config.streamIdleTimeoutMs(TIMEOUT_MS).build(), () -> now);
    }

    private void advanceMs(final long ms)
    {
        now += TimeUnit.MILLISECONDS.toNanos(ms);
    }

    @Test
    void aStreamGoesOnceNoConnectionHasHeldItForTheTimeout()
    {
        final StreamRegistry streams = registry(RelayConfig.builder());
        final Stream first = streams.acquire("a");
        assertSame(first, streams.acquire("a"), "a second connection gets the same stream");
        streams.release(first);
        advanceMs(TIMEOUT_MS);
        assertEquals(0, streams.removeIdle(), "still held by one connection");
        streams.release(first);
        advanceMs(TIMEOUT_MS - 1);
        assertEquals(0, streams.removeIdle(), "idle for less than the timeout");
        advanceMs(1);
        assertEquals(1, streams.removeIdle());
        assertNull(streams.find("a"));
        assertEquals(0, streams.size());
        final Stream again = streams.acquire("a");
        assertNotSame(first, again, "a new stream under the old name");
        assertTrue(again.id() != first.id(), "with a new id");
    }

    @Test
    void aConnectionThatComesBackBeforeTheTimeoutKeepsTheStream()
    {
        final StreamRegistry streams = registry(RelayConfig.builder());
        final Stream stream = streams.acquire("a");
        streams.release(stream);
        advanceMs(TIMEOUT_MS - 1);
        assertSame(stream, streams.acquire("a"));
        advanceMs(TIMEOUT_MS);
        assertEquals(0, streams.removeIdle());
        streams.release(stream);
        advanceMs(TIMEOUT_MS / 2);
        assertEquals(0, streams.removeIdle(), "the timeout runs from the last connection's close");
    }

    @Test
    void streamsNamedInTheConfigStayAndDoNotCountTowardsTheMaximum()
    {
        final StreamRegistry streams = registry(RelayConfig.builder().maxStreams(1)
            .stream("configured", StreamConfig.DEFAULT));
        streams.release(streams.acquire("configured"));
        final Stream other = streams.acquire("other");
        advanceMs(10 * TIMEOUT_MS);
        streams.release(other);
        advanceMs(TIMEOUT_MS);
        assertEquals(1, streams.removeIdle());
        assertEquals(1, streams.size());
        assertTrue(streams.find("configured") != null, "the configured stream stayed");
    }

    @Test
    void pastTheMaximumANewNameIsRefusedUntilAStreamGoes()
    {
        final StreamRegistry streams = registry(RelayConfig.builder().maxStreams(2));
        final Stream a = streams.acquire("a");
        final Stream b = streams.acquire("b");
        final ProtocolException refused = assertThrows(ProtocolException.class, () -> streams.acquire("c"));
        assertEquals(ErrorCode.TOO_MANY_STREAMS, refused.code());
        assertTrue(refused.getMessage().contains("'c'") && refused.getMessage().contains("max-streams"),
            refused.getMessage());
        assertNull(streams.find("c"));
        assertSame(a, streams.acquire("a"), "existing streams can still be joined");
        streams.release(a);
        streams.release(a);
        streams.release(b);
        advanceMs(TIMEOUT_MS);
        assertEquals(2, streams.removeIdle());
        streams.acquire("c");
        streams.acquire("d");
        assertThrows(ProtocolException.class, () -> streams.acquire("e"));
    }

    @Test
    void sourceIdsAreNotReusedWhenAStreamIsMadeAgain()
    {
        final StreamRegistry streams = registry(RelayConfig.builder());
        final Set<Integer> ids = new HashSet<>();
        for (int round = 0; round < 3; round++)
        {
            final Stream stream = streams.acquire("a");
            for (int publisher = 0; publisher < 5; publisher++)
            {
                assertTrue(ids.add(streams.newSourceId()), "a source id handed out twice");
            }
            streams.release(stream);
            advanceMs(TIMEOUT_MS);
            assertEquals(1, streams.removeIdle());
        }
        assertTrue(!ids.contains(0), "0 is no publisher's id");
    }
}
