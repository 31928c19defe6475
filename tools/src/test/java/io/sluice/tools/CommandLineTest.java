package io.sluice.tools;

import io.sluice.client.ClientTls;
import io.sluice.core.test.TestCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Argument handling of produce and consume, and their behaviour when no relay is there; none needs a relay.
 */
class CommandLineTest
{
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(final Object command, final String... args)
    {
        return new CommandLine(command)
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true))
            .execute(args);
    }

    @Test
    void produceRefusesPayloadTooSmallForTheIndex()
    {
        assertEquals(2, run(new ProduceCommand(), "--stream", "demo", "--size", "4"));
        assertTrue(err.toString().contains("--size must be at least 8"), err.toString());
    }

    @Test
    void produceRequiresAStream()
    {
        assertEquals(2, run(new ProduceCommand(), "--count", "10"));
        assertTrue(err.toString().contains("--stream"), err.toString());
    }

    @Test
    void produceRefusesCountTogetherWithDuration()
    {
        assertEquals(2, run(new ProduceCommand(), "--stream", "demo", "--count", "10", "--duration", "1s"));
        assertTrue(err.toString().contains("mutually exclusive"), err.toString());
    }

    @Test
    void produceRefusesBadValues()
    {
        assertEquals(2, run(new ProduceCommand(), "--stream", "demo", "--rate", "fast"));
        assertEquals(2, run(new ProduceCommand(), "--stream", "demo", "--duration", "10"));
        assertEquals(2, run(new ProduceCommand(), "--stream", "demo", "--count", "0"));
        assertEquals(2, run(new ProduceCommand(), "--stream", "demo", "--port", "70000"));
    }

    @Test
    void consumeRefusesBadValues()
    {
        assertEquals(2, run(new ConsumeCommand(), "--stream", "demo", "--rate", "0"));
        assertEquals(2, run(new ConsumeCommand(), "--stream", "demo", "--idle-timeout", "soon"));
        assertEquals(2, run(new ConsumeCommand(), "--stream", "demo", "--count", "5", "--duration", "1s"));
        assertEquals(2, run(new ConsumeCommand()));
    }

    @Test
    void consumeRefusesAWindowWithoutAck()
    {
        assertEquals(2, run(new ConsumeCommand(), "--stream", "demo", "--window", "100"));
        assertTrue(err.toString().contains("need --ack"), err.toString());
        assertEquals(2, run(new ConsumeCommand(), "--stream", "demo", "--window-bytes", "1MiB"));
        assertEquals(2, run(new ConsumeCommand(), "--stream", "demo", "--ack", "--window", "-1"));
        assertEquals(2, run(new ConsumeCommand(), "--stream", "demo", "--ack", "--window-bytes", "much"));
    }

    @Test
    void helpListsTheOptions()
    {
        assertEquals(0, run(new ProduceCommand(), "--help"));
        assertEquals(0, run(new ConsumeCommand(), "--help"));
        for (final String option : new String[] {"--stream", "--rate", "--size", "--count", "--duration", "--json",
            "--idle-timeout", "--ack", "--window", "--window-bytes", "--poll", "--direct"})
        {
            assertTrue(out.toString().contains(option), option);
        }
    }

    @Test
    void eachCommandsHelpSaysWhatInvokerIs()
    {
        for (final Object command : new Object[] {new ProduceCommand(), new ConsumeCommand()})
        {
            out.getBuffer().setLength(0);
            assertEquals(0, run(command, "--help"));
            // Picocli wraps the description: compare it with its line breaks and indentation as spaces.
            final String help = out.toString().replaceAll("\\s+", " ");
            assertTrue(help.contains("--invoker Run the client in the invoker mode, with no event loop thread"), help);
            assertTrue(help.contains("Every option of the default path is kept; not with --direct."), help);
        }
    }

    @Test
    void helpPrintsNoPicocliWarning()
    {
        // picocli reports a description it cannot format (a lone % in it) on System.err, whatever the command's err.
        final PrintStream systemErr = System.err;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try
        {
            assertEquals(0, run(new ProduceCommand(), "--help"));
            assertEquals(0, run(new ConsumeCommand(), "--help"));
        }
        finally
        {
            System.setErr(systemErr);
        }
        assertEquals("", captured.toString(StandardCharsets.UTF_8) + err);
        assertTrue(out.toString().contains("key i % N"), out.toString());
    }

    @Test
    void helpNamesTheConnectionOptions()
    {
        for (final Object command : new Object[] {new ProduceCommand(), new ConsumeCommand()})
        {
            out.getBuffer().setLength(0);
            assertEquals(0, run(command, "--help"));
            for (final String option :
                new String[] {"--host", "--port", "--token-file", "--connect-timeout", "SLUICE_TOKEN", "--tls-trust",
                    "--tls-cert", "--tls-key"})
            {
                assertTrue(out.toString().contains(option), option + " in " + out);
            }
            assertFalse(out.toString().contains("--auth-token"));
        }
    }

    @Test
    void theTokenComesFromTheFileLessItsLineBreakOrElseFromTheEnvironment(@TempDir final Path dir) throws Exception
    {
        final CommandSpec spec = new CommandLine(new ProduceCommand()).getCommandSpec();
        final ConnectionOptions options = new ConnectionOptions();
        options.host = "127.0.0.1";
        options.port = 7440;
        options.connectTimeout = Duration.ofSeconds(5);
        options.environment = name -> ConnectionOptions.TOKEN_ENV.equals(name) ? "from-env" : null;
        assertEquals("from-env", options.clientConfig(spec, 64).authToken());

        options.tokenFile = Files.writeString(dir.resolve("token"), "s3cret tok\u00e9n\r\n");
        assertEquals("s3cret tok\u00e9n", options.clientConfig(spec, 64).authToken());

        options.environment = name -> null;
        options.tokenFile = null;
        assertEquals("", options.clientConfig(spec, 64).authToken());
    }

    @Test
    void tlsOptionsGiveTheClientTlsAndBadFilesAreABadCommandLine(@TempDir final Path dir) throws Exception
    {
        final TestCertificates.Authority authority = TestCertificates.authority("CLI test CA");
        final Path ca = authority.write(dir, "ca");
        final Path cert = authority.client("CN=cli", null).write(dir, "cli");
        final CommandSpec spec = new CommandLine(new ProduceCommand()).getCommandSpec();
        final ConnectionOptions options = new ConnectionOptions();
        options.host = "relay.example";
        options.port = 7440;
        options.connectTimeout = Duration.ofSeconds(5);
        options.environment = name -> null;
        assertEquals(null, options.clientConfig(spec, 64).tls(), "plain TCP without --tls-trust");
        options.tlsTrust = ca;
        options.tlsCert = cert;
        options.tlsKey = dir.resolve("cli.key");
        final ClientTls tls = options.clientConfig(spec, 64).tls();
        assertEquals(ca, tls.trustFile());
        assertEquals(cert, tls.certificateFile());
        assertTrue(tls.verifyHostname(), "the relay's name is checked");

        assertEquals(2, run(new ProduceCommand(), "--stream", "demo", "--tls-trust",
            dir.resolve("missing").toString()));
        assertTrue(err.toString().contains("cannot read TLS trust file"), err.toString());
        assertEquals(2, run(new ProduceCommand(), "--stream", "demo", "--tls-cert", cert.toString(), "--tls-key",
            dir.resolve("cli.key").toString()));
        assertTrue(err.toString().contains("--tls-cert and --tls-key need --tls-trust"), err.toString());
        assertEquals(2, run(new ConsumeCommand(), "--stream", "demo", "--tls-trust", ca.toString(), "--tls-cert",
            cert.toString()));
        assertTrue(err.toString().contains("a client certificate needs its key"), err.toString());
        final Path otherKey = authority.client("CN=other", null).write(dir, "other");
        assertEquals(2, run(new ConsumeCommand(), "--stream", "demo", "--tls-trust", ca.toString(), "--tls-cert",
            cert.toString(), "--tls-key", dir.resolve("other.key").toString()));
        assertTrue(err.toString().contains("does not belong to the certificate"), err.toString() + otherKey);
    }

    @Test
    void aTokenFileThatCannotBeReadOrIsEmptyIsABadCommandLine(@TempDir final Path dir) throws Exception
    {
        assertEquals(2, run(new ProduceCommand(), "--stream", "demo", "--token-file",
            dir.resolve("missing").toString()));
        assertTrue(err.toString().contains("cannot read --token-file"), err.toString());
        final Path empty = Files.writeString(dir.resolve("empty"), "\n");
        assertEquals(2, run(new ConsumeCommand(), "--stream", "demo", "--token-file", empty.toString()));
        assertTrue(err.toString().contains("is empty"), err.toString());
        assertEquals(2, run(new ConsumeCommand(), "--stream", "demo", "--connect-timeout", "0s"));
    }

    @Test
    void connectionRefusedIsExitOneAndWritesNoJson(@TempDir final Path dir) throws Exception
    {
        final int port = unusedPort();
        final Path json = dir.resolve("p.json");
        final long start = System.nanoTime();
        assertEquals(1, run(new ProduceCommand(), "--stream", "demo", "--port", Integer.toString(port),
            "--count", "10", "--json", json.toString()));
        assertEquals(1, run(new ConsumeCommand(), "--stream", "demo", "--port", Integer.toString(port),
            "--count", "10", "--json", json.toString()));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20));
        assertTrue(err.toString().contains("cannot connect"), err.toString());
        assertFalse(Files.exists(json));
    }

    @Test
    void progressStaysQuietForShortRuns()
    {
        final long second = TimeUnit.SECONDS.toNanos(1);
        assertEquals(4 * second, ProduceCommand.progressStart(true, Long.MAX_VALUE));
        assertEquals(second, ProduceCommand.progressStart(false, Long.MAX_VALUE));
        assertEquals(second, ProduceCommand.progressStart(false, 10 * second));
        assertTrue(ProduceCommand.progressStart(false, 3 * second) > 1000 * second);
    }

    private static int unusedPort() throws Exception
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }
}
