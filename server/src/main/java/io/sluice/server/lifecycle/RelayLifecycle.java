package io.sluice.server.lifecycle;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Where a relay is in its life: running, stopping (refusing new clients while its connections drain) or stopped.
 * One object read by the HELLO handler, the health endpoint and the relay's close, so that every part sees the same
 * moment; the counters in {@code RelayMetrics} stay read-only figures.
 */
public final class RelayLifecycle
{
    /** The states, in the only order they are passed through. */
    public enum State
    {
        /** Accepting connections and HELLOs. */
        RUNNING,
        /** Close has begun: no new listener, no new HELLO; subscribers drain within the grace period. */
        STOPPING,
        /** Connections closed, event loops and disk tiers stopped. */
        STOPPED
    }

    private final AtomicReference<State> state = new AtomicReference<>(State.RUNNING);

    /** @return the current state. */
    public State state()
    {
        return state.get();
    }

    /** @return whether close has begun (stopping or stopped). */
    public boolean isStopping()
    {
        return state.get() != State.RUNNING;
    }

    /**
     * @return true for the one caller that moves the relay from running to stopping; false when close had begun.
     */
    public boolean beginStopping()
    {
        return state.compareAndSet(State.RUNNING, State.STOPPING);
    }

    /** The relay's close has finished. */
    public void stopped()
    {
        state.set(State.STOPPED);
    }
}
