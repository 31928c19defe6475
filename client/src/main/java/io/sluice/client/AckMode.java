package io.sluice.client;

/**
 * Who says a message of a subscription with acknowledged delivery has been processed.
 */
public enum AckMode
{
    /**
     * The library: a {@link CallbackSubscription}'s message once the handler returns from it, a {@link Subscription}'s
     * once the application, having been handed it by {@code poll}, calls {@code poll} again (or closes).
     */
    AUTO,
    /**
     * The application, by calling {@link SubscriberEndpoint#acknowledge(long)} with the message's
     * {@link io.sluice.core.protocol.Header#position() position}, from any thread: every position up to it counts as
     * processed.
     */
    EXPLICIT
}
