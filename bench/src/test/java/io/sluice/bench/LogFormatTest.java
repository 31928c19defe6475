package io.sluice.bench;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The relay's log formats, through {@code sluice relay} in a JVM of its own configured by the launcher's
 * logback.xml: text by default, one JSON object per line with {@code --log-format json} or
 * {@code SLUICE_LOG_FORMAT=json}. Also checks the {@code --metrics-port} wiring end to end: {@code /health} answers
 * ready, and SIGTERM still closes cleanly with exit code 0.
 */
class LogFormatTest
{
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(60);

    @Test
    void jsonFlagGivesOneJsonObjectPerLineAndMetricsAreServed() throws Exception
    {
        final int metricsPort = freePort();
        try (Child relay = Child.start(Map.of(), "relay", "--port", "0", "--metrics-port",
            Integer.toString(metricsPort), "--log-format", "json"))
        {
            // JSON escapes '/' as '\/'.
            relay.awaitStderr(line -> line.contains("metrics on http") && line.contains("127.0.0.1:" + metricsPort));
            final HttpResponse<String> health = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/health"))
                    .timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
            assertEquals("ready", health.body().strip());

            relay.awaitListening();
            assertEquals(0, relay.terminate(), relay.describe());
            final List<String> lines = relay.stderr;
            assertFalse(lines.isEmpty());
            for (final String line : lines)
            {
                assertTrue(line.startsWith("{") && line.endsWith("}"), "not a JSON object: " + line);
                assertTrue(line.contains("\"level\":\""), line);
                assertTrue(line.contains("\"loggerName\":\""), line);
            }
            assertTrue(lines.stream().anyMatch(
                l -> l.contains("\"level\":\"INFO\"") && l.contains("relay listening on 127.0.0.1:")),
                relay.describe());
            assertTrue(lines.stream().anyMatch(l -> l.contains("stopped")), relay.describe());
        }
    }

    @Test
    void environmentVariableSelectsJsonToo() throws Exception
    {
        try (Child relay = Child.start(Map.of("SLUICE_LOG_FORMAT", "json"), "relay", "--port", "0"))
        {
            relay.awaitStderr(line -> line.contains("relay listening on"));
            relay.awaitListening();
            assertEquals(0, relay.terminate(), relay.describe());
            assertTrue(relay.stderr.stream().allMatch(l -> l.startsWith("{") && l.endsWith("}")), relay.describe());
        }
    }

    @Test
    void textIsTheDefault() throws Exception
    {
        try (Child relay = Child.start(Map.of(), "relay", "--port", "0"))
        {
            final String line = relay.awaitStderr(l -> l.contains("relay listening on"));
            assertTrue(line.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  \\[.*\\] .* - relay listening on .*"), line);
            relay.awaitListening();
            assertEquals(0, relay.terminate(), relay.describe());
            assertTrue(relay.stderr.stream().noneMatch(l -> l.startsWith("{")), relay.describe());
        }
    }

    @Test
    void anUnknownFormatIsAUsageError() throws Exception
    {
        try (Child relay = Child.start(Map.of(), "relay", "--port", "0", "--log-format", "xml"))
        {
            assertEquals(2, relay.waitFor(), relay.describe());
            assertTrue(relay.stderr.stream().anyMatch(l -> l.contains("'xml' is not a log format (known: text, json)")),
                relay.describe());
        }
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0))
        {
            return socket.getLocalPort();
        }
    }

    /** {@code sluice ARGS} in a JVM of its own, logging through the launcher's logback.xml. */
    private static final class Child implements AutoCloseable
    {
        final Process process;
        final List<String> stdout = new CopyOnWriteArrayList<>();
        final List<String> stderr = new CopyOnWriteArrayList<>();

        private Child(final Process process)
        {
            this.process = process;
            pump(process.getInputStream(), stdout, "child-stdout");
            pump(process.getErrorStream(), stderr, "child-stderr");
        }

        static Child start(final Map<String, String> env, final String... args) throws IOException, URISyntaxException
        {
            final List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(Arrays.asList(System.getProperty("sluice.jvm.opens", "").split(" ")));
            command.addAll(Arrays.asList(System.getProperty("sluice.jvm.props", "").split(" ")));
            // The test class path also holds core's logback-test.xml, which logback would prefer: name the
            // launcher's file explicitly.
            command.add("-Dlogback.configurationFile="
                + Path.of(LogFormatTest.class.getResource("/logback.xml").toURI()));
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(SluiceMain.class.getName());
            command.addAll(Arrays.asList(args));
            command.removeIf(String::isEmpty);
            final ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().remove("SLUICE_LOG_FORMAT");
            builder.environment().putAll(env);
            return new Child(builder.start());
        }

        private static void pump(final InputStream in, final List<String> lines, final String name)
        {
            final Thread thread = new Thread(() ->
            {
                try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)))
                {
                    String line;
                    while ((line = reader.readLine()) != null)
                    {
                        lines.add(line);
                    }
                }
                catch (final IOException ignored)
                {
                    // the child is gone
                }
            }, name);
            thread.setDaemon(true);
            thread.start();
        }

        String awaitStderr(final Predicate<String> match)
        {
            return await(stderr, match);
        }

        /** Waits for the stdout line the relay prints once its signal handlers are in place. */
        void awaitListening()
        {
            await(stdout, line -> line.startsWith("sluice relay listening on "));
        }

        private String await(final List<String> lines, final Predicate<String> match)
        {
            final long start = System.nanoTime();
            while (true)
            {
                for (final String line : lines)
                {
                    if (match.test(line))
                    {
                        return line;
                    }
                }
                if (!process.isAlive() || System.nanoTime() - start > DEADLINE_NANOS)
                {
                    fail("no such line from the child; " + describe());
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
        }

        /** SIGTERM, then the exit code; the output pumps are drained first. */
        int terminate() throws InterruptedException
        {
            // Through the handle: Process.destroy() would also close our ends of the pipes, losing what the child
            // logs while it closes.
            process.toHandle().destroy();
            return waitFor();
        }

        int waitFor() throws InterruptedException
        {
            if (!process.waitFor(60, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                fail("the child did not exit; " + describe());
            }
            // The pumps finish once the pipes close, right after the exit.
            final long start = System.nanoTime();
            while (Thread.getAllStackTraces().keySet().stream()
                    .anyMatch(t -> t.getName().startsWith("child-std") && t.isAlive())
                && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10))
            {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
            return process.exitValue();
        }

        String describe()
        {
            return "stdout: " + stdout + "\nstderr:\n" + String.join("\n", stderr);
        }

        @Override
        public void close()
        {
            process.destroyForcibly();
        }
    }
}
