package io.sluice.server;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Streams by name, created on first use with the settings the config gives for the name.
 */
final class StreamRegistry
{
    private final RelayConfig config;
    private final ConcurrentHashMap<String, Stream> streams = new ConcurrentHashMap<>();
    private final AtomicInteger nextId = new AtomicInteger(1);

    StreamRegistry(final RelayConfig config)
    {
        this.config = config;
    }

    Stream stream(final String name)
    {
        return streams.computeIfAbsent(name, n -> new Stream(n, nextId.getAndIncrement(), config.streamConfig(n)));
    }

    Stream find(final String name)
    {
        return streams.get(name);
    }

    Collection<Stream> all()
    {
        return streams.values();
    }
}
