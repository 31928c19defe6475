package io.sluice.server.bridge;

import java.time.Duration;

/**
 * A running bridge between one relay stream and another system, made by a {@link BridgeFactory} from the relay
 * config's {@code bridges} list. The relay starts it once it listens and stops it when it closes:
 * <ol>
 * <li>{@link #start()}: right after the relay binds, before {@code Relay.start} returns. A bridge connects to the
 *     relay as a client (so it gets a lane and the stream's strategy like any subscriber, or publishes like any
 *     publisher) and does the rest on threads of its own. It must not wait for the other system: a relay starts
 *     while Kafka is down.</li>
 * <li>{@link #relayStopping(Duration)}: the relay is about to stop, before its graceful stop of connections. A bridge
 *     that publishes into the relay stops taking from the other system and settles what the relay acknowledged; one
 *     that subscribes keeps receiving, so that the relay can drain its lane into it.</li>
 * <li>{@link #close(Duration)}: the relay's connections have closed. A bridge delivers what it still holds, for at
 *     most the time given, and releases everything.</li>
 * </ol>
 * {@link #snapshot()} may be called from any thread at any time.
 */
public interface Bridge
{
    /** @return the bridge's name, unique in its relay. */
    String name();

    /**
     * Connects to the relay and starts the bridge's own threads.
     *
     * @throws IllegalStateException when the bridge cannot start (e.g. the relay refused its connection).
     */
    void start();

    /**
     * The relay is about to stop (see the class comment).
     *
     * @param grace the longest this may take.
     */
    default void relayStopping(final Duration grace)
    {
    }

    /**
     * Delivers what is left within {@code grace}, then stops and releases everything. Idempotent.
     *
     * @param grace the longest this may take.
     */
    void close(Duration grace);

    /** @return the bridge's state and counters now. */
    BridgeSnapshot snapshot();
}
