package io.sluice.server;

import io.sluice.client.ClientConfig;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A subscriber whose whole process is stopped (SIGSTOP) for longer than its own heartbeat timeout while the relay
 * keeps sending: on resuming (SIGCONT) it must read what waited in its socket rather than declare the relay silent.
 */
@EnabledOnOs(OS.LINUX)
class StoppedSubscriberProcessTest
{
    private static final int PAYLOAD = 64;
    private static final long COUNT = 20_000;
    private static final int CHILD_HEARTBEAT_INTERVAL_MS = 100;
    private static final int CHILD_HEARTBEAT_TIMEOUT_MS = 500;

    @Test
    void aSubscriberStoppedForLongerThanItsHeartbeatTimeoutReadsWhatWaitedWhenItResumes() throws Exception
    {
        // The relay's own timeout (10 s) is far longer than the stop, so only the subscriber's side is tested.
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).build());
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            final Process child = startSubscriber(relay.port(), "stopped-process");
            final BlockingQueue<String> lines = pump(child);
            try
            {
                assertEquals("subscribed", lines.poll(60, TimeUnit.SECONDS), "the subscriber did not start");
                final Publication publication = client.publish("stopped-process");
                signal("STOP", child.pid());
                final long stoppedAt = System.nanoTime();
                final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
                final Thread producer = new Thread(() ->
                {
                    for (long i = 0; i < COUNT; i++)
                    {
                        payload.putLong(0, i);
                        if (publication.send(payload, 0, PAYLOAD, Duration.ofSeconds(60)) < 0)
                        {
                            return;
                        }
                    }
                }, "producer");
                producer.start();
                // The stop itself is what is tested: five of the subscriber's heartbeat timeouts.
                final long stopNanos = TimeUnit.MILLISECONDS.toNanos(5L * CHILD_HEARTBEAT_TIMEOUT_MS);
                while (System.nanoTime() - stoppedAt < stopNanos)
                {
                    Thread.sleep(50);
                }
                signal("CONT", child.pid());
                producer.join(TimeUnit.SECONDS.toMillis(60));
                final String result = lines.poll(60, TimeUnit.SECONDS);
                assertTrue(child.waitFor(30, TimeUnit.SECONDS), "subscriber did not exit; said " + result);
                assertTrue(result != null && result.startsWith("received " + COUNT + " "), "subscriber said: " + result);
                assertEquals(0, child.exitValue(), result);
                publication.close();
            }
            finally
            {
                // A stopped process ignores SIGKILL's cleanup until continued; it may have exited already.
                new ProcessBuilder("kill", "-CONT", Long.toString(child.pid())).start().waitFor(10, TimeUnit.SECONDS);
                child.destroyForcibly();
            }
        }
    }

    private static Process startSubscriber(final int port, final String stream) throws IOException
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(Arrays.asList(System.getProperty("sluice.jvm.opens", "").split(" ")));
        command.addAll(Arrays.asList(System.getProperty("sluice.jvm.props", "").split(" ")));
        command.add("-Xmx64m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(SubscriberProcess.class.getName());
        command.addAll(List.of(Integer.toString(port), stream, Long.toString(COUNT),
            Integer.toString(CHILD_HEARTBEAT_INTERVAL_MS), Integer.toString(CHILD_HEARTBEAT_TIMEOUT_MS)));
        command.removeIf(String::isEmpty);
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    // The child's output, line by line; its log lines are echoed to ours.
    private static BlockingQueue<String> pump(final Process child)
    {
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final Thread pump = new Thread(() ->
        {
            try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = reader.readLine()) != null)
                {
                    if (line.equals("subscribed") || line.startsWith("received ") || line.startsWith("lost ") ||
                        line.startsWith("failed: "))
                    {
                        lines.add(line);
                    }
                    else
                    {
                        System.out.println("subscriber process: " + line);
                    }
                }
            }
            catch (final IOException ex)
            {
                lines.add("failed: " + ex);
            }
        }, "subscriber-output");
        pump.setDaemon(true);
        pump.start();
        return lines;
    }

    private static void signal(final String signal, final long pid) throws IOException, InterruptedException
    {
        final Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + signal + " " + pid);
    }
}
