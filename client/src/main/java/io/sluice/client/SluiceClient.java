package io.sluice.client;

import io.netty.channel.Channel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.sluice.core.protocol.Hello;
import io.sluice.core.protocol.Role;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Connects to a relay and opens publications and subscriptions, each over a connection of its own. Owns the
 * event loop threads its connections share; closing the client closes them all.
 * <pre>{@code
 * try (SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", 7440));
 *      Publication pub = client.publish("prices"))
 * {
 *     long result = pub.offer(buffer, 0, length);   // < 0: BACK_PRESSURED, NOT_CONNECTED, ...
 * }
 * }</pre>
 * Two ways each to publish and subscribe: {@link #publish} (any threads, {@code offer} copies into a ring that the
 * event loop copies into the socket's buffers) and {@link #publishExclusive} (one thread, which claims room in the
 * memory the socket is written from); {@link #subscribe(String)} (the event loop copies into a ring, the application
 * polls it on its own thread) and {@link #subscribe(String, MessageHandler)} (a handler on the event loop reads the
 * socket's read buffer in place). Either kind of subscription may ask for acknowledged delivery
 * ({@link #subscribe(String, String, SubscribeOptions)}, {@link #subscribe(String, String, SubscribeOptions,
 * MessageHandler)}): the relay then holds at most a window of unacknowledged messages, and delivers a durable
 * subscription's again on its next connection.
 * <p>
 * <b>Invoker mode.</b> A client made with {@link ClientConfig#withInvoker()} starts no event loop thread: its
 * connections' I/O (reading, writing what publications hold, acknowledgements, heartbeats, handlers of callback
 * subscriptions) runs in {@link #doWork()}, on the application's thread, as an Aeron client's conductor runs in its
 * agent invoker. On two cores this saves the hand-off between the application's thread and the client's. The first
 * thread that uses the client (opens a publication or subscription, or calls {@code doWork}) owns it for good and must
 * call {@code doWork} in its duty cycle, at least once each heartbeat interval the relay announces (1 s by default),
 * and whenever an offer or claim answers {@code BACK_PRESSURED} or a poll finds nothing:
 * <pre>{@code
 * try (SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", 7440).withInvoker());
 *      ExclusivePublication pub = client.publishExclusive("prices"))
 * {
 *     IdleStrategy idle = new BackoffIdleStrategy();
 *     while (running)
 *     {
 *         int work = client.doWork();
 *         if (pub.tryClaim(length, claim) > 0) { ...; claim.commit(); work++; }
 *         idle.idle(work);
 *     }
 * }
 * }</pre>
 * On the owner, the calls that wait for the relay (opening, {@code resume}, {@code close}) run the client's I/O
 * themselves while they wait; on another thread they wait for the owner's {@code doWork}. Any thread may still offer
 * to a {@link Publication} or poll a {@link Subscription}; what they hand over moves at the owner's next
 * {@code doWork}.
 */
public final class SluiceClient implements AutoCloseable
{
    /** Default bound on async sends waiting for the relay's ACK. */
    public static final int DEFAULT_MAX_PENDING_ASYNC = 4096;

    private final ClientConfig config;
    private final RelayConnector connector;
    private final PublicationResume resume;
    private final Set<StreamEndpoint> open = ConcurrentHashMap.newKeySet();
    // The client's own callback thread when the config names no executor; its thread starts with the first task.
    private final ExecutorService ownCallbacks;
    private final Executor callbacks;

    /**
     * @param config where the relay is and how to talk to it.
     * @throws IllegalArgumentException when the TLS files cannot be read or the client key does not match its
     *                                  certificate.
     */
    public SluiceClient(final ClientConfig config)
    {
        this.config = config;
        this.connector = new RelayConnector(config);
        this.ownCallbacks = config.callbackExecutor() == null ?
            Executors.newSingleThreadExecutor(new DefaultThreadFactory("sluice-callbacks", true)) : null;
        this.callbacks = ownCallbacks != null ? ownCallbacks : config.callbackExecutor();
        this.resume = new PublicationResume(config, connector, open);
    }

    /**
     * @return the settings.
     */
    public ClientConfig config()
    {
        return config;
    }

    /**
     * Does the client's I/O and the tasks its connections queued, without blocking: in the invoker mode
     * ({@link ClientConfig#withInvoker()}), the client's whole duty cycle.
     *
     * @return the I/O events and tasks handled, 0 when there was nothing to do (for an idle strategy).
     * @throws IllegalStateException when the client has event loop threads of its own, on another thread than the
     *                               one that owns the client, or from a message handler (which this runs).
     */
    public int doWork()
    {
        return connector.doWork();
    }

    /**
     * @return protocol errors this client detected in what the relay sent.
     */
    public long protocolErrors()
    {
        return connector.protocolErrors();
    }

    /**
     * Opens a publication to {@code stream}; returns once the relay welcomed it.
     *
     * @param stream stream name.
     * @return the publication.
     * @throws SluiceException when the relay refused, could not be reached, or did not answer in time.
     */
    public Publication publish(final String stream) throws SluiceException
    {
        return publish(stream, hello(Role.PUBLISHER, stream, ""));
    }

    /**
     * Opens a publication to {@code stream} as an identified publisher (protocol.md §4.2): the relay keeps the
     * producer id's source id and sequence across connections, so the publication's first sequence
     * ({@link Publication#firstSequence()}) follows what the relay accepted from the producer id before, and what it
     * resends below that is dropped. A higher epoch takes the producer id over from a connection still open.
     *
     * @param stream stream name.
     * @param producerId the producer id.
     * @param epoch 0 or more; raise it when the producer restarts.
     * @return the publication, which keeps each message until the relay acknowledged it (in a log of its ring's
     * size), and which {@link #resume(Publication)} continues on a new connection when this one is lost.
     * @throws SluiceException when the relay refused (PRODUCER_FENCED: a lower epoch, or the same while connected),
     * could not be reached, or did not answer in time.
     */
    public Publication publish(final String stream, final long producerId, final int epoch) throws SluiceException
    {
        return publish(stream, identifiedHello(stream, config.authToken(), producerId, epoch), true, producerId, epoch);
    }

    private Publication publish(final String stream, final Hello hello) throws SluiceException
    {
        return publish(stream, hello, false, 0, 0);
    }

    private Publication publish(final String stream, final Hello hello, final boolean identified,
        final long producerId, final int epoch) throws SluiceException
    {
        final Channel channel = connector.newChannel();
        final Publication publication = new Publication(stream, channel, config.maxMessageLength(),
            DEFAULT_MAX_PENDING_ASYNC, callbacks, identified, producerId, epoch, open::remove);
        connector.handshake(channel, hello, publication.handler());
        open.add(publication);
        return publication;
    }

    /**
     * Opens a publication to {@code stream} for one publishing thread, which claims room in the memory the socket is
     * written from and copies each message once; returns once the relay welcomed it.
     *
     * @param stream stream name.
     * @return the publication.
     * @throws SluiceException when the relay refused, could not be reached, or did not answer in time.
     */
    public ExclusivePublication publishExclusive(final String stream) throws SluiceException
    {
        return publishExclusive(stream, hello(Role.PUBLISHER, stream, ""));
    }

    /**
     * As {@link #publishExclusive(String)}, as an identified publisher: see {@link #publish(String, long, int)}.
     *
     * @param stream stream name.
     * @param producerId the producer id.
     * @param epoch 0 or more; raise it when the producer restarts.
     * @return the publication, which keeps each frame until the relay acknowledged it, and which
     * {@link #resume(ExclusivePublication)} continues on a new connection when this one is lost.
     * @throws SluiceException when the relay refused, could not be reached, or did not answer in time.
     */
    public ExclusivePublication publishExclusive(final String stream, final long producerId, final int epoch)
        throws SluiceException
    {
        final Hello hello = identifiedHello(stream, config.authToken(), producerId, epoch);
        final Channel channel = connector.newChannel();
        final ExclusivePublication publication = new ExclusivePublication(stream, channel, config.maxMessageLength(),
            producerId, epoch, open::remove);
        connector.handshake(channel, hello, publication.handler());
        open.add(publication);
        return publication;
    }

    private ExclusivePublication publishExclusive(final String stream, final Hello hello) throws SluiceException
    {
        final Channel channel = connector.newChannel();
        final ExclusivePublication publication = new ExclusivePublication(stream, channel, config.maxMessageLength(),
            open::remove);
        connector.handshake(channel, hello, publication.handler());
        open.add(publication);
        return publication;
    }

    /**
     * Continues an identified exclusive publication ({@link #publishExclusive(String, long, int)}) on a new
     * connection, typically after its connection was lost (its claims answer
     * {@link ExclusivePublication#NOT_CONNECTED}):
     * <ol>
     * <li>closes the old connection if it is still up, and waits until it has given back the frames it was
     * sending;</li>
     * <li>connects with the same producer id and the epoch one above the last this publication asked for, so that the
     * relay takes the producer id over at once, even from a connection it has not seen close yet;</li>
     * <li>gives back the frames kept below the sequence the relay's WELCOME expects (it accepted them), sends the
     * rest again, in order, from that sequence, and numbers new messages after them (a relay that forgot the
     * producer id, after a restart or the stream's removal, expects a lower sequence than the kept frames had: they
     * are numbered from it).</li>
     * </ol>
     * Nothing the application committed is lost or delivered twice (but see protocol.md §4.2 for two or more
     * subscribers). The returned publication replaces {@code lost}, which answers
     * {@link ExclusivePublication#CLOSED} from then on; it belongs to the same publishing thread, which is the one to
     * call this. When the connection cannot be made, this throws and {@code lost} stays as it was, with every frame it
     * kept: call again. A producer that restarts must then use an epoch above {@link ExclusivePublication#epoch()} of
     * the publication it last used.
     *
     * @param lost an identified exclusive publication of this client, not closed by the application, with no claim
     *             open.
     * @return the publication to go on with.
     * @throws SluiceException when the relay refused, could not be reached, or did not answer in time.
     * @throws IllegalStateException when {@code lost} was closed, has a claim open or belongs to another thread.
     * @throws IllegalArgumentException when {@code lost} is not identified.
     */
    public ExclusivePublication resume(final ExclusivePublication lost) throws SluiceException
    {
        return resume.resume(lost);
    }

    /**
     * Continues an identified publication ({@link #publish(String, long, int)}) on a new connection, typically after
     * its connection was lost (its offers answer {@link Publication#NOT_CONNECTED}), as
     * {@link #resume(ExclusivePublication)} does: it closes the old connection if it is still up and waits until it
     * gave back the frames it was sending; connects with the same producer id and the epoch one above the last this
     * publication's line asked for; gives back the frames kept below the sequence the relay's WELCOME expects, sends
     * the rest again, in order, from that sequence, then what the ring still holds and what offers add to it, numbered
     * after them.
     * <p>
     * Nothing an offer accepted is lost or delivered twice (but see protocol.md §4.2 for two or more subscribers),
     * and each thread's messages keep their order. {@link Publication#sendAsync} futures of messages sent again
     * complete once the relay acknowledged them (those the relay already had, at once, with their first sequence);
     * the backlog of async sends carries on.
     * <p>
     * <b>Threads.</b> Any thread may call this. While the resume runs, offers to {@code lost} answer
     * {@link Publication#NOT_CONNECTED} (an offer that raced the loss of the connection and was accepted is sent by the
     * resumed publication), and once it is done, {@link Publication#CLOSED}: {@code lost} is replaced. Each thread
     * that sees either may call this with the publication it holds: concurrent calls make one connection, and a call
     * for a publication already replaced returns the publication the last resume returned, without connecting. When
     * the connection cannot be made, this throws and {@code lost} stays as it was, with every frame it kept: call
     * again. A producer that restarts must then use an epoch above {@link Publication#epoch()} of the publication it
     * last used.
     *
     * @param lost an identified publication of this client, not closed by the application.
     * @return the publication to go on with.
     * @throws SluiceException when the relay refused, could not be reached, or did not answer in time.
     * @throws IllegalStateException when {@code lost} was closed by the application.
     * @throws IllegalArgumentException when {@code lost} is not identified.
     */
    public Publication resume(final Publication lost) throws SluiceException
    {
        return resume.resume(lost);
    }

    /**
     * Opens a subscription to {@code stream}; returns once the relay welcomed it.
     *
     * @param stream stream name.
     * @return the subscription.
     * @throws SluiceException when the relay refused, could not be reached, or did not answer in time.
     */
    public Subscription subscribe(final String stream) throws SluiceException
    {
        return subscribe(stream, "");
    }

    /**
     * Opens a subscription to {@code stream} under a durable subscription name; returns once the relay welcomed it.
     *
     * @param stream stream name.
     * @param subscriptionName durable name, or empty.
     * @return the subscription.
     * @throws SluiceException when the relay refused, could not be reached, or did not answer in time.
     */
    public Subscription subscribe(final String stream, final String subscriptionName) throws SluiceException
    {
        return subscribe(stream, subscriptionName, SubscribeOptions.DEFAULT);
    }

    /**
     * As {@link #subscribe(String, String)}, with options: {@link SubscribeOptions#acknowledged()} for acknowledged
     * delivery, where each message's header carries its position and whether it is delivered again, and the messages
     * {@code poll} delivered are acknowledged when the application polls again ({@link AckMode#AUTO}) or calls
     * {@link Subscription#acknowledge(long)} ({@link AckMode#EXPLICIT}).
     *
     * @param stream stream name.
     * @param subscriptionName durable name, or empty (positions then start at 1 on each connection, and what was not
     *                         acknowledged is not delivered again).
     * @param options how to subscribe.
     * @return the subscription.
     * @throws SluiceException when the relay refused, could not be reached, or did not answer in time.
     */
    public Subscription subscribe(final String stream, final String subscriptionName, final SubscribeOptions options)
        throws SluiceException
    {
        final Hello hello = subscriberHello(stream, subscriptionName, config.authToken(), options);
        final Channel channel = connector.newChannel();
        final Subscription subscription = new Subscription(stream, channel, options, config.maxMessageLength(),
            config.subscriptionRingBytes(), open::remove);
        connector.handshake(channel, hello, subscription.handler());
        open.add(subscription);
        return subscription;
    }

    /**
     * Opens a subscription to {@code stream} that delivers each message to {@code handler} on the connection's event
     * loop, from the socket's read buffer; returns once the relay welcomed it. The handler must not block: see
     * {@link CallbackSubscription}.
     *
     * @param stream stream name.
     * @param handler receives every message and GAP notice, on the event loop.
     * @return the subscription.
     * @throws SluiceException when the relay refused, could not be reached, or did not answer in time.
     */
    public CallbackSubscription subscribe(final String stream, final MessageHandler handler) throws SluiceException
    {
        return subscribe(stream, "", handler);
    }

    /**
     * As {@link #subscribe(String, MessageHandler)}, under a durable subscription name.
     *
     * @param stream stream name.
     * @param subscriptionName durable name, or empty.
     * @param handler receives every message and GAP notice, on the event loop.
     * @return the subscription.
     * @throws SluiceException when the relay refused, could not be reached, or did not answer in time.
     */
    public CallbackSubscription subscribe(final String stream, final String subscriptionName,
        final MessageHandler handler) throws SluiceException
    {
        return subscribe(stream, subscriptionName, SubscribeOptions.DEFAULT, handler);
    }

    /**
     * As {@link #subscribe(String, String, MessageHandler)}, with options: {@link SubscribeOptions#acknowledged()} for
     * acknowledged delivery, where each message's header carries its position and whether it is delivered again, and
     * a message is acknowledged once the handler returns from it ({@link AckMode#AUTO}) or when the application calls
     * {@link CallbackSubscription#acknowledge(long)} ({@link AckMode#EXPLICIT}).
     *
     * @param stream stream name.
     * @param subscriptionName durable name, or empty (positions then start at 1 on each connection, and what was not
     *                         acknowledged is not delivered again).
     * @param options how to subscribe.
     * @param handler receives every message and GAP notice, on the event loop.
     * @return the subscription.
     * @throws SluiceException when the relay refused, could not be reached, or did not answer in time.
     */
    public CallbackSubscription subscribe(final String stream, final String subscriptionName,
        final SubscribeOptions options, final MessageHandler handler) throws SluiceException
    {
        final Hello hello = subscriberHello(stream, subscriptionName, config.authToken(), options);
        final Channel channel = connector.newChannel();
        final CallbackSubscription subscription = new CallbackSubscription(stream, channel, options,
            java.util.Objects.requireNonNull(handler, "handler"), open::remove);
        connector.handshake(channel, hello, subscription.handler());
        open.add(subscription);
        return subscription;
    }

    private Hello hello(final Role role, final String stream, final String subscriptionName) throws SluiceException
    {
        try
        {
            return new Hello(role, stream, subscriptionName, config.authToken());
        }
        catch (final IllegalArgumentException ex)
        {
            throw new SluiceException(null, ex.getMessage(), ex);
        }
    }

    /**
     * @return a subscriber's HELLO: as protocol version 1 first defined it, or with the acknowledged-delivery feature
     * and the window.
     */
    static Hello subscriberHello(final String stream, final String subscriptionName, final String authToken,
        final SubscribeOptions options) throws SluiceException
    {
        try
        {
            return options.isAcknowledged() ?
                Hello.acknowledgingSubscriber(stream, subscriptionName, authToken, options.windowMessages(),
                    options.windowBytes()) :
                new Hello(Role.SUBSCRIBER, stream, subscriptionName, authToken);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new SluiceException(null, ex.getMessage(), ex);
        }
    }

    /**
     * @return an identified publisher's HELLO.
     */
    static Hello identifiedHello(final String stream, final String authToken, final long producerId, final int epoch)
        throws SluiceException
    {
        try
        {
            return Hello.identifiedPublisher(stream, authToken, producerId, epoch);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new SluiceException(null, ex.getMessage(), ex);
        }
    }

    /**
     * Closes every publication and subscription still open and stops the event loop threads, and the client's own
     * callback thread once the futures already completed have run their callbacks. In the invoker mode, call it on the
     * thread that owns the client: elsewhere it waits at most 5 seconds for that thread's {@code doWork} to finish it.
     */
    @Override
    public void close()
    {
        // Every goodbye first, then the waits: a relay that does not answer costs 5 seconds, not 5 an endpoint.
        final List<StreamEndpoint> closing = new ArrayList<>();
        for (final StreamEndpoint endpoint : open.toArray(new StreamEndpoint[0]))
        {
            try
            {
                if (endpoint.beginClose())
                {
                    closing.add(endpoint);
                }
            }
            catch (final RuntimeException ex)
            {
                LoggerFactory.getLogger(SluiceClient.class).debug("closing {}", endpoint, ex);
            }
        }
        for (final StreamEndpoint endpoint : closing)
        {
            try
            {
                endpoint.finishClose();
            }
            catch (final RuntimeException ex)
            {
                LoggerFactory.getLogger(SluiceClient.class).debug("closing {}", endpoint, ex);
            }
        }
        connector.close();
        if (ownCallbacks != null)
        {
            ownCallbacks.shutdown();
        }
    }
}
