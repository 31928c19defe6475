package io.sluice.tools;

import io.sluice.client.AckMode;
import io.sluice.client.SubscribeOptions;
import io.sluice.client.SubscriberEndpoint;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * How {@code consume} subscribes: durably under a name, and with acknowledged delivery and its window; a picocli
 * mixin of the command. With {@code --ack} the command acknowledges, from its own thread, what the checker counted.
 */
final class DeliveryOptions
{
    @Option(names = "--subscription", paramLabel = "NAME", defaultValue = "",
        description = "Durable subscription name: under the spill strategy the relay keeps this subscription's "
            + "backlog on disk across disconnects and restarts, and hands it over when it reconnects (default: none).")
    String subscriptionName;

    @Option(names = "--ack",
        description = "Acknowledged delivery: acknowledge each message once counted, so the relay sends at most a "
            + "window of unacknowledged ones, and a durable subscription's unacknowledged messages come again, "
            + "flagged redelivered, on its next connection. Adds redelivered, firstPosition and lastPosition to the "
            + "result.")
    boolean ack;

    @Option(names = "--window", paramLabel = "N", defaultValue = "0",
        description = "With --ack: most messages delivered and not acknowledged (default: the relay's).")
    int windowMessages;

    @Option(names = "--window-bytes", paramLabel = "SIZE", defaultValue = "0", converter = ByteSizeConverter.class,
        description = "With --ack: most bytes of frames delivered and not acknowledged, such as 4MiB "
            + "(default: the relay's).")
    int windowBytes;

    /**
     * @param spec the command, for the error.
     * @throws ParameterException when a window is given without {@code --ack}, or is negative.
     */
    void validate(final CommandSpec spec)
    {
        if (!ack && (windowMessages != 0 || windowBytes != 0))
        {
            throw new ParameterException(spec.commandLine(), "--window and --window-bytes need --ack");
        }
        if (windowMessages < 0)
        {
            throw new ParameterException(spec.commandLine(), "--window must not be negative, was " + windowMessages);
        }
    }

    /**
     * @return the first option of acknowledged delivery given ({@code --ack}, {@code --window},
     * {@code --window-bytes}), or null for none: for a way of receiving that has none to refuse it by name.
     */
    String acknowledgementOption()
    {
        if (ack)
        {
            return "--ack";
        }
        if (windowMessages != 0)
        {
            return "--window";
        }
        return windowBytes != 0 ? "--window-bytes" : null;
    }

    /**
     * @return the durable subscription's name, or empty for none.
     */
    String subscriptionName()
    {
        return subscriptionName;
    }

    /**
     * @return whether delivery is acknowledged ({@code --ack}).
     */
    boolean acknowledged()
    {
        return ack;
    }

    /**
     * The command acknowledges what the checker counted, from its own thread: explicit, so that what a read brings
     * past {@code --count} is left to a later connection.
     *
     * @return the options to subscribe with.
     */
    SubscribeOptions subscribeOptions()
    {
        return ack ? SubscribeOptions.acknowledged().window(windowMessages, windowBytes).ackMode(AckMode.EXPLICIT) :
            SubscribeOptions.DEFAULT;
    }

    /**
     * With {@code --ack}, acknowledges up to what the checker has counted (as of its last batch end), if that is
     * more than is acknowledged already.
     *
     * @param subscription the subscription.
     * @param checker what counted the messages.
     */
    void acknowledgeCounted(final SubscriberEndpoint subscription, final Checker checker)
    {
        final long counted = checker.lastPositionSeen;
        if (ack && counted > subscription.acknowledgedPosition())
        {
            subscription.acknowledge(counted);
        }
    }
}
