package io.sluice.server.metrics;

import io.sluice.client.ClientConfig;
import io.sluice.client.Publication;
import io.sluice.client.SluiceClient;
import io.sluice.client.Subscription;
import io.sluice.server.Relay;
import io.sluice.server.config.RelayConfig;
import io.sluice.server.cli.TopCommand;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code sluice top --once} against a live relay's endpoint, and against nothing.
 */
class TopCommandTest
{
    @Test
    void onceRendersTheStreamAndItsSubscriberFromALiveRelay() throws Exception
    {
        try (Relay relay = Relay.start(RelayConfig.builder().port(0).ioThreads(2).build());
             PrometheusEndpoint endpoint = PrometheusEndpoint.start(relay, 0);
             SluiceClient client = new SluiceClient(ClientConfig.of("127.0.0.1", relay.port())))
        {
            final Subscription subscription = client.subscribe("top-demo");
            final Publication publication = client.publish("top-demo");
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[100]);
            for (int i = 0; i < 1000; i++)
            {
                publication.send(payload, 0, payload.capacity(), Duration.ofSeconds(10));
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            int received = 0;
            while (received < 1000 && System.nanoTime() < deadline)
            {
                received += subscription.poll((buffer, offset, length, header) -> {}, 1000);
            }
            assertEquals(1000, received);

            final Result top = run("--host", "127.0.0.1", "--metrics-port", Integer.toString(endpoint.port()),
                "--interval", "100ms", "--once");
            assertEquals(0, top.exitCode, top.err);
            assertEquals("", top.err);
            assertFalse(top.out.contains("\033"), "--once prints no terminal control codes");

            final String[] lines = top.out.split("\n");
            assertTrue(lines[0].startsWith("sluice relay 127.0.0.1:" + relay.port() + " "), lines[0]);
            assertTrue(lines[1].startsWith("connections: 1 publisher, 1 subscriber, 2 opened since start"), lines[1]);
            final int heading = indexOf(lines, "STREAM / SUBSCRIBER");
            assertTrue(heading > 0, top.out);
            final String streamRow = lines[heading + 1];
            assertTrue(streamRow.startsWith("top-demo "), top.out);
            assertTrue(streamRow.contains("throttle"), top.out);
            final String laneRow = lines[heading + 2];
            assertTrue(laneRow.startsWith("  127.0.0.1:"), top.out);
            assertTrue(laneRow.contains("direct"), top.out);
            // Columns line up: every row is as long as the heading row at most and the numbers end together.
            assertEquals(lines[heading].lastIndexOf("SUBS") + "SUBS".length(), streamRow.length(), top.out);

            publication.close();
            subscription.close();
        }
    }

    @Test
    void anUnreachableEndpointExitsOneWithAClearMessage() throws Exception
    {
        final int port;
        try (ServerSocket socket = new ServerSocket(0))
        {
            port = socket.getLocalPort();
        }
        final Result top = run("--metrics-port", Integer.toString(port), "--once");
        assertEquals(1, top.exitCode);
        assertTrue(
            top.err.startsWith("sluice top: cannot reach http://127.0.0.1:" + port + "/metrics: connection refused"),
            top.err);
        assertEquals("", top.out);
    }

    @Test
    void aMissingPortIsAUsageError()
    {
        final Result top = run("--once");
        assertEquals(2, top.exitCode);
        assertTrue(top.err.contains("--metrics-port"), top.err);
    }

    private static int indexOf(final String[] lines, final String prefix)
    {
        for (int i = 0; i < lines.length; i++)
        {
            if (lines[i].startsWith(prefix))
            {
                return i;
            }
        }
        return -1;
    }

    private static Result run(final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int exitCode = new CommandLine(new TopCommand())
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true))
            .execute(args);
        return new Result(exitCode, out.toString(), err.toString());
    }

    private record Result(int exitCode, String out, String err)
    {
    }
}
