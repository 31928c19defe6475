package io.sluice.tools;

import io.sluice.client.ClientConfig;
import io.sluice.client.DirectSubscription;
import io.sluice.client.SluiceClient;
import io.sluice.client.SluiceException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code sluice consume}: subscribes to one stream, optionally as a deliberately slow consumer, and checks what
 * arrives: per-source ordering (out-of-order and duplicate sequences), the relay's GAP notices, and end-to-end
 * latency from each message's timestamp to its delivery.
 * <p>
 * It receives in one of three ways, to compare them: by default a {@link io.sluice.client.CallbackSubscription}
 * whose handler checks each message on the connection's event loop; with {@code --poll} (or {@code --rate} alone) a
 * {@link io.sluice.client.Subscription} polled on this command's thread from the ring the event loop fills; with
 * {@code --direct} a {@link DirectSubscription} whose poll on this command's thread reads the socket itself, with no
 * event loop and no thread besides the command's (plain TCP, no acknowledged delivery; {@code --rate} paces its
 * polls, and between them the loop still polls for nothing, so that its heartbeats go out in time). With
 * {@code --invoker} the first two keep every option with a client that has no event loop thread
 * ({@link io.sluice.client.ClientConfig#withInvoker()}): the intake runs its loop on this command's thread
 * ({@link ClientDutyCycle}) each time it takes or keeps the connection alive.
 * <p>
 * This class holds the options and opens the subscription; {@link DeliveryOptions} says whether it is durable and
 * acknowledged, {@link Checker} checks each delivery, an {@link Intake} of the subscription's kind takes and
 * acknowledges what arrives, {@link ConsumeLoop} takes messages until the run is over and {@link ConsumeSummary}
 * reports the run.
 */
@Command(
    name = "consume",
    mixinStandardHelpOptions = true,
    versionProvider = ToolsVersion.class,
    sortOptions = false,
    description = {
        "Subscribes to a stream, checks per-source ordering (out-of-order, duplicates, GAP notices) and measures "
            + "latency from each message's timestamp to its delivery.",
        "A source's first message sets its expected sequence, so joining a running stream is not an error. "
            + "Elapsed time and rate are measured from the first message to the last.",
        "Checks each message in a handler on the connection's event loop, over the socket's read buffer (--poll, or "
            + "--rate, to poll a subscription on the command's thread instead; --direct to read the socket on the "
            + "command's thread, with no event loop; --invoker to keep either with the client's I/O on the command's "
            + "thread, and every option)."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:done",
        "1:could not connect, or the connection was lost",
        "2:bad command line"})
public final class ConsumeCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Option(names = "--stream", required = true, paramLabel = "S", description = "Stream name.")
    private String stream;

    @Mixin
    private DeliveryOptions delivery = new DeliveryOptions();

    @Mixin
    private ConnectionOptions connection = new ConnectionOptions();

    @Option(names = "--rate", paramLabel = "N",
        description = "Take at most N messages per second, to act as a slow consumer (default: unlimited).")
    private Double rate;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    private RunLimit limit;

    @Option(names = "--idle-timeout", defaultValue = "5s", paramLabel = "D", converter = DurationConverter.class,
        description = "Stop when no message came for D, once one has (default: ${DEFAULT-VALUE}). Time the process "
            + "was stopped does not count.")
    private Duration idleTimeout;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the result as one JSON object to FILE.")
    private Path json;

    @Option(names = "--poll",
        description = "Take messages with Subscription.poll on this command's thread, from a ring the connection's "
            + "event loop copies them into, instead of checking them in a handler on the event loop over the socket's "
            + "read buffer; to compare the two. Implied by --rate (without --direct), which paces the polls.")
    private boolean poll;

    @Option(names = "--direct",
        description = "Take messages with a direct subscription, whose poll on this command's thread reads the "
            + "socket itself and checks each message in its read buffer: no event loop, no thread but the command's. "
            + "Plain TCP only, and without acknowledged delivery: not with --poll, --ack or the --tls options. "
            + "--rate paces its polls; --subscription gives it a durable name.")
    private boolean direct;

    @Option(names = "--invoker",
        description = "Run the client in the invoker mode, with no event loop thread: this command's thread runs its "
            + "I/O (reads the socket, runs the handler or fills the --poll ring, acknowledges, sends the heartbeats) "
            + "each time it takes messages and while it waits. Every option of the default path is kept; not with "
            + "--direct.")
    private boolean invoker;

    private volatile boolean running = true;

    @Override
    public Integer call()
    {
        validate();
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final ClientConfig settings = connection.clientConfig(spec, ClientConfig.DEFAULT_MAX_MESSAGE_LENGTH);
        final ClientConfig config = invoker ? settings.withInvoker() : settings;

        final CountDownLatch finished = new CountDownLatch(1);
        final Thread stopHook = StopHook.install("consume", () -> running = false, finished);
        final Checker checker = new Checker(RunLimit.count(limit));
        try
        {
            return direct ? consumeDirect(config, checker, out, err) : consumeWithClient(config, checker, out, err);
        }
        finally
        {
            finished.countDown();
            StopHook.remove(stopHook);
        }
    }

    private void validate()
    {
        if (direct)
        {
            DirectConflicts.refuseInvoker(spec, invoker);
            DirectConflicts.refuseIfGiven(spec, poll ? "--poll" : null, "--poll takes from the ring an event loop "
                + "fills, and --direct reads the socket itself, with no event loop");
            DirectConflicts.refuseIfGiven(spec, delivery.acknowledgementOption(),
                "a direct subscription has no acknowledged delivery");
            DirectConflicts.refuseIfGiven(spec, connection.tlsOption(), "a direct subscription speaks plain TCP only");
        }
        delivery.validate(spec);
        if (rate != null && !(rate > 0 && Double.isFinite(rate)))
        {
            throw new ParameterException(spec.commandLine(), "--rate must be positive, was " + rate);
        }
        RunLimit.validate(limit, spec);
        if (idleTimeout.isZero() || idleTimeout.isNegative())
        {
            throw new ParameterException(spec.commandLine(), "--idle-timeout must be positive");
        }
    }

    // The event-loop client's subscriptions: a callback's by default, a polled one with --poll or --rate; with
    // --invoker, the client's loop runs on this thread.
    private int consumeWithClient(final ClientConfig config, final Checker checker, final PrintWriter out,
        final PrintWriter err)
    {
        try (SluiceClient client = new SluiceClient(config))
        {
            final boolean polled = poll || rate != null;
            final ClientDutyCycle duty = ClientDutyCycle.of(client);
            final Intake intake;
            try
            {
                intake = polled ?
                    new PolledIntake(client.subscribe(stream, delivery.subscriptionName(),
                        delivery.subscribeOptions()), checker, delivery, duty) :
                    new CallbackIntake(client.subscribe(stream, delivery.subscriptionName(),
                        delivery.subscribeOptions(), checker), checker, delivery, duty);
            }
            catch (final SluiceException ex)
            {
                err.println("consume: " + ex.getMessage());
                return 1;
            }
            // An invoked client's take reads the socket: back off as a poll does.
            return run(intake, checker, polled || invoker, out, err);
        }
    }

    // No client and so no event loop: the subscription's socket is this thread's.
    private int consumeDirect(final ClientConfig config, final Checker checker, final PrintWriter out,
        final PrintWriter err)
    {
        final DirectSubscription subscription;
        try
        {
            subscription = DirectSubscription.connect(config, stream, delivery.subscriptionName());
        }
        catch (final SluiceException ex)
        {
            err.println("consume: " + ex.getMessage());
            return 1;
        }
        try (subscription)
        {
            return run(new DirectIntake(subscription, checker), checker, true, out, err);
        }
    }

    private int run(final Intake intake, final Checker checker, final boolean polled, final PrintWriter out,
        final PrintWriter err)
    {
        final long count = RunLimit.count(limit);
        new ConsumeLoop(intake, checker, err).run(count, RunLimit.durationNanos(limit), idleTimeout.toNanos(), rate,
            polled, () -> running);

        // Lost before the run was over (a count not reached): what the relay had in flight for us is gone.
        final boolean lost = !intake.isConnected() && checker.seen() < count;
        final String failure = lost ? "connection lost: " + Objects.requireNonNullElse(intake.closeReason(),
            "closed") + "; what was in flight to this consumer then is lost, and not counted as gaps" : null;
        intake.acknowledgeCounted();
        // From here on the checker is not called: its counts are final and visible to this thread.
        intake.close();

        final ConsumeSummary summary = new ConsumeSummary(stream, checker, delivery.acknowledged(), lost, failure);
        summary.print(out, err);
        if (json != null && !Json.writeOrReport(json, summary.toJson(), err))
        {
            return 1;
        }
        return failure == null ? 0 : 1;
    }
}
