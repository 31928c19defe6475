package io.sluice.bench.peer;

import io.sluice.bench.load.Folders;
import io.sluice.bench.load.Link;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts the peers the bench compares Sluice with, each with everything it needs, and stops them again. A peer whose
 * program is not installed is skipped with a message saying so.
 */
public final class Peers
{
    /** Every peer {@code --peers} names, in the order they are reported. */
    public static final List<String> ALL = List.of("direct", "haproxy", "nats-core", "jetstream");
    /**
     * JetStream consumed through a durable consumer that acknowledges ({@link JetStreamConsumerLink}); the bench runs
     * it for the acknowledged comparison, with {@code jetstream} in {@code --peers}.
     */
    public static final String JETSTREAM_ACKED = JetStreamConsumerLink.NAME;

    private Peers()
    {
    }

    /**
     * A running peer: its link, its server's process, and whatever must be stopped after the run.
     *
     * @param link the link to drive.
     * @param server the peer's server process, or null when the peer runs in this JVM (direct).
     * @param resources closed after the link, in order.
     */
    public record Running(Link link, ProcessHandle server, List<AutoCloseable> resources) implements AutoCloseable
    {
        @Override
        public void close()
        {
            link.close();
            for (final AutoCloseable resource : resources)
            {
                try
                {
                    resource.close();
                }
                catch (final Exception ignored)
                {
                    // Stopping a peer after the run.
                }
            }
        }
    }

    /**
     * Thrown when a peer cannot run here (not installed); the message says what to install.
     */
    public static final class Unavailable extends Exception
    {
        private static final long serialVersionUID = 1L;

        Unavailable(final String message)
        {
            super(message);
        }
    }

    /**
     * @param name one of {@link #ALL}, or {@link #JETSTREAM_ACKED}.
     * @return the running peer.
     * @throws Unavailable when its program is not installed.
     * @throws Exception when it is installed but does not start.
     */
    public static Running start(final String name) throws Exception
    {
        return switch (name)
        {
            case "direct" ->
            {
                final ServerSocketChannel listener = TcpFramedLink.listen();
                yield new Running(new TcpFramedLink("direct", listener, TcpFramedLink.port(listener)), null, List.of());
            }
            case "haproxy" -> haproxy();
            case "nats-core" -> nats(false, false);
            case "jetstream" -> nats(true, false);
            case JETSTREAM_ACKED -> nats(true, true);
            default -> throw new IllegalArgumentException(
                "unknown peer '" + name + "' (known: " + String.join(", ", ALL) + ")");
        };
    }

    private static Running haproxy() throws Exception
    {
        final String haproxy = ExternalServer.find("haproxy");
        if (haproxy == null)
        {
            throw new Unavailable("haproxy is not installed (e.g. apt-get install haproxy)");
        }
        final ServerSocketChannel listener = TcpFramedLink.listen();
        final int port = ExternalServer.freePort();
        final Path config = Files.createTempFile("sluice-bench-haproxy-", ".cfg");
        Files.writeString(config, String.join("\n",
            "global",
            "  maxconn 4096",
            "defaults",
            "  mode tcp",
            "  timeout connect 5s",
            "  timeout client 60s",
            "  timeout server 60s",
            "listen bench",
            "  bind 127.0.0.1:" + port,
            "  server consumer 127.0.0.1:" + TcpFramedLink.port(listener),
            ""));
        final List<AutoCloseable> resources = new ArrayList<>();
        final ProcessHandle process;
        try
        {
            // -db: stay in the foreground, so that stopping the process stops haproxy.
            final ExternalServer server = ExternalServer.start(List.of(haproxy, "-db", "-f", config.toString()), port);
            resources.add(server);
            process = server.process();
        }
        catch (final IOException ex)
        {
            listener.close();
            Files.deleteIfExists(config);
            throw ex;
        }
        resources.add(() -> Files.deleteIfExists(config));
        return new Running(new TcpFramedLink("haproxy", listener, port), process, resources);
    }

    private static Running nats(final boolean jetStream, final boolean consumed) throws Exception
    {
        final String server = ExternalServer.find("nats-server");
        if (server == null)
        {
            throw new Unavailable("nats-server is not installed (e.g. apt-get install nats-server)");
        }
        final int port = ExternalServer.freePort();
        final List<String> command = new ArrayList<>(List.of(server, "-a", "127.0.0.1", "-p", Integer.toString(port)));
        Path store = null;
        if (jetStream)
        {
            store = Files.createTempDirectory("sluice-bench-jetstream-");
            command.addAll(List.of("-js", "-sd", store.toString()));
        }
        final List<AutoCloseable> resources = new ArrayList<>();
        final ExternalServer natsServer = ExternalServer.start(command, port);
        resources.add(natsServer);
        if (store != null)
        {
            final Path dir = store;
            resources.add(() -> Folders.delete(dir));
        }
        try
        {
            return new Running(consumed ? new JetStreamConsumerLink(port) : new NatsLink(port, jetStream),
                natsServer.process(), resources);
        }
        catch (final Exception ex)
        {
            for (final AutoCloseable resource : resources)
            {
                resource.close();
            }
            throw ex;
        }
    }
}
