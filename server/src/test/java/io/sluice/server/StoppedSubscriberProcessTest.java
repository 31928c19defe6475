package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.server.config.RelayConfig;
import io.sluice.tools.ConsumeCommand;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import picocli.CommandLine;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Subscribers whose whole process is stopped (SIGSTOP) and continued (SIGCONT) while the relay keeps sending, as a
 * user's Ctrl-Z and {@code fg} would: stopped for longer than its own heartbeat timeout, a subscriber reads what
 * waited in its socket rather than declare the relay silent; stopped for longer than the relay's, it is dropped, and
 * {@code sluice consume} says so and exits 1.
 */
@EnabledOnOs(OS.LINUX)
class StoppedSubscriberProcessTest
{
    private static final int PAYLOAD = 64;

    @Test
    void aSubscriberStoppedForLongerThanItsHeartbeatTimeoutReadsWhatWaitedWhenItResumes() throws Exception
    {
        final long count = 20_000;
        final int timeoutMs = 500;
        // The relay's own timeout (10 s) is far longer than the stop, so only the subscriber's side is tested.
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).build());
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()));
             ChildJvm child = ChildJvm.start(SubscriberProcess.class, Integer.toString(relay.port()), "stopped",
                 Long.toString(count), "100", Integer.toString(timeoutMs)))
        {
            assertEquals("subscribed", child.awaitLine(60, "subscribed", "failed"));
            final Publication publication = client.publish("stopped");
            child.signal("STOP");
            final Thread producer = produce(publication, count, new AtomicBoolean(true));
            ChildJvm.hold(5L * timeoutMs);
            child.signal("CONT");
            producer.join(TimeUnit.SECONDS.toMillis(60));
            final String result = child.awaitLine(60, "received ", "lost ", "failed");
            assertNotNull(result, "the subscriber said nothing");
            assertTrue(result.startsWith("received " + count + " "), result);
            assertEquals(0, child.awaitExit(30), result);
            publication.close();
        }
    }

    @Test
    void consumeStoppedUntilTheRelayDropsItSaysTheConnectionWasLostAndExitsOne() throws Exception
    {
        // The relay drops a subscriber silent for 1 s; the consumer would call 500 ms without messages idle.
        // A generous hello timeout: a child JVM starting on a loaded machine may take seconds to send its HELLO.
        final RelayConfig config = RelayConfig.builder().port(0).heartbeatIntervalMs(200).heartbeatTimeoutMs(1000)
            .helloTimeoutMs(60_000).build();
        try (Relay relay = Relay.start(config);
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port()));
             ChildJvm child = ChildJvm.start(ConsumeProcess.class, "--stream", "dropped", "--port",
                 Integer.toString(relay.port()), "--idle-timeout", "500ms", "--connect-timeout", "60s"))
        {
            final Publication publication = client.publish("dropped");
            final AtomicBoolean running = new AtomicBoolean(true);
            final Thread producer = produce(publication, Long.MAX_VALUE, running);
            // On a loaded machine the relay may drop the starved child for silence before this thread sees it
            // subscribed: that ends the run the way the stop below does, and the same report is expected.
            if (awaitSubscriberOrExit(relay, child) && awaitOutOrExit(relay, child, 1_000))
            {
                child.signal("STOP");
                ChildJvm.hold(3_000);
                child.signal("CONT");
            }
            final int exit = child.awaitExit(60);
            running.set(false);
            producer.join(TimeUnit.SECONDS.toMillis(60));
            // The relay's ERROR (HEARTBEAT_TIMEOUT) may be stuck behind what the full socket could not take; its
            // reset then ends the connection.
            assertNotNull(child.awaitLine(5, "  connection lost: "), "no connection-lost line in the summary");
            assertEquals(1, exit);
            publication.close();
        }
    }

    private static Thread produce(final Publication publication, final long count, final AtomicBoolean running)
    {
        final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
        final Thread producer = new Thread(() ->
        {
            for (long i = 0; i < count && running.get(); i++)
            {
                payload.putLong(0, i);
                if (publication.send(payload, 0, PAYLOAD, Duration.ofSeconds(60)) < 0)
                {
                    return;
                }
            }
        }, "producer");
        producer.start();
        return producer;
    }

    private static void awaitSubscriber(final Relay relay) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (relay.metrics().subscribers() == 0)
        {
            assertTrue(System.nanoTime() < deadline, "the consumer did not subscribe");
            Thread.sleep(5);
        }
    }

    // Whether the child subscribed (false: it exited first).
    private static boolean awaitSubscriberOrExit(final Relay relay, final ChildJvm child) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (relay.metrics().subscribers() == 0)
        {
            if (!child.isAlive())
            {
                return false;
            }
            assertTrue(System.nanoTime() < deadline, "the consumer did not subscribe");
            Thread.sleep(5);
        }
        return true;
    }

    // Whether the messages came in while the child lived (false: it exited first).
    private static boolean awaitOutOrExit(final Relay relay, final ChildJvm child, final long messages)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (relay.metrics().messagesIn() < messages)
        {
            assertTrue(System.nanoTime() < deadline, "nothing flows");
            Thread.sleep(5);
        }
        return child.isAlive();
    }

    private static void awaitOut(final Relay relay, final long messages) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (relay.metrics().messagesIn() < messages)
        {
            assertTrue(System.nanoTime() < deadline, "nothing flows");
            Thread.sleep(5);
        }
    }

    /** {@code sluice consume} in a JVM of its own. */
    static final class ConsumeProcess
    {
        private ConsumeProcess()
        {
        }

        public static void main(final String[] args)
        {
            System.exit(new CommandLine(new ConsumeCommand()).execute(args));
        }
    }
}
