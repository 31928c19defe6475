package io.sluice.server.drop;

import io.sluice.core.protocol.Header;

/**
 * Decides what a subscriber's lane drops when it cannot keep everything: the relay's answer to backpressure when
 * throttling the producer is not wanted.
 * <p>
 * A lane with a drop policy has a memory tier (and, with the spill strategy, a disk tier). The lane asks its policy
 * only on the slow path, from the lane's own event loop, one call at a time, so an implementation needs no locking
 * and must not block or allocate per call:
 * <ul>
 *   <li>{@link #onNoRoom} for each message that finds the tiers full;</li>
 *   <li>{@link #admit} for each arriving message while the memory tier is more than half full, when
 *       {@link #samplesUnderPressure()} says so;</li>
 *   <li>{@link #expired} for each waiting message about to be delivered, when {@link #checksOnDelivery()} says
 *       so;</li>
 *   <li>keyed messages replace the waiting message with the same key when {@link #conflatesByKey()} says so.</li>
 * </ul>
 * Every message a policy drops is counted under the policy's {@link #reason()} and reported to the subscriber in a
 * GAP frame before the next message it receives from the same source, so that for every subscriber
 * {@code sent = delivered + dropped + still waiting}.
 * <p>
 * The {@link Header} passed in is a view valid only during the call. A new policy instance is made for every lane
 * (see {@link DropPolicySpec}), so a policy may keep per-lane state in fields.
 * <p>
 * A custom policy is a public class with a public no-argument constructor, named in the config by its fully
 * qualified class name, or by its {@link #name()} when listed in
 * {@code META-INF/services/io.sluice.server.drop.DropPolicy}. Its drops are counted as {@link DropReason#CUSTOM}.
 */
public interface DropPolicy
{
    /** What becomes of a message that finds no room. */
    enum Action
    {
        /** Keep the message and stop taking more: the producer is throttled through TCP until there is room. */
        THROTTLE,
        /** Drop the arriving message; what waits is kept. */
        DROP_NEWEST,
        /**
         * Drop the oldest waiting message and try again. Where the oldest cannot be reached (the lane is
         * spilling to disk, or the memory tier is empty) the arriving message is dropped instead.
         */
        DROP_OLDEST
    }

    /** @return the name the config uses for this policy. */
    String name();

    /**
     * @param message the arriving message that does not fit.
     * @return what to do with it.
     */
    Action onNoRoom(Header message);

    /** @return whether {@link #admit} is asked for each arriving message while the memory tier is over half full. */
    default boolean samplesUnderPressure()
    {
        return false;
    }

    /**
     * Asked only while the lane is under pressure and {@link #samplesUnderPressure()} is true.
     *
     * @param message the arriving message.
     * @return false to drop it before it is stored.
     */
    default boolean admit(final Header message)
    {
        return true;
    }

    /** @return whether {@link #expired} is asked for each message about to be delivered from the memory tier. */
    default boolean checksOnDelivery()
    {
        return false;
    }

    /**
     * @param message a waiting message about to be written to the subscriber.
     * @param nowEpochNanos the relay's clock, read once per drain ({@link io.sluice.core.util.EpochClock}).
     * @return true to drop it instead.
     */
    default boolean expired(final Header message, final long nowEpochNanos)
    {
        return false;
    }

    /** @return whether a keyed message replaces a waiting message with the same key (conflation). */
    default boolean conflatesByKey()
    {
        return false;
    }

    /** @return the reason code drops are counted and reported under; see {@link DropReason}. */
    default int reason()
    {
        return DropReason.CUSTOM;
    }
}
