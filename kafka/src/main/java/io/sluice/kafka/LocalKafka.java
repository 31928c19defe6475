package io.sluice.kafka;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

import java.io.IOException;
import java.io.PrintStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A one-node Kafka cluster (broker and KRaft controller in one) running in this JVM on 127.0.0.1, for tests and the
 * bench: Kafka's own server ({@code KafkaRaftServer}, as {@code kafka-server-start.sh} runs it), not a mock. It
 * needs Kafka's server jars ({@code org.apache.kafka:kafka_2.13}) on the class path, which the relay does not carry:
 * check {@link #available()} first.
 * <p>
 * {@link #stop()} and {@link #restart()} take the broker down and bring it back on the same ports with the same
 * data, as an outage would: the ports are chosen free when it first starts and kept.
 */
public final class LocalKafka implements AutoCloseable
{
    /** A class of Kafka's server, present when its jars are on the class path. */
    public static final String SERVER_CLASS = "kafka.server.KafkaRaftServer";

    private final Path directory;
    private final int port;
    private final Map<String, Object> properties;
    private KafkaRaftServer server;

    private LocalKafka(final Path directory, final int port, final Map<String, Object> properties)
    {
        this.directory = directory;
        this.port = port;
        this.properties = properties;
    }

    /**
     * @return whether Kafka's server jars are on the class path.
     */
    public static boolean available()
    {
        try
        {
            Class.forName(SERVER_CLASS, false, LocalKafka.class.getClassLoader());
            return true;
        }
        catch (final ClassNotFoundException | LinkageError ex)
        {
            return false;
        }
    }

    /**
     * Formats a new cluster in a new folder under {@code parent} and starts it.
     *
     * @param parent where the broker's folder goes (deleted again by {@link #close()}).
     * @param overrides broker properties to set beyond the defaults for one node (e.g. {@code message.max.bytes}).
     * @return the running broker.
     * @throws IOException when the folder cannot be made or no free port found.
     */
    public static LocalKafka start(final Path parent, final Map<String, String> overrides) throws IOException
    {
        final Path directory = Files.createTempDirectory(parent, "kafka-");
        final int port = freePort();
        final int controllerPort = freePort();
        final Map<String, Object> p = new HashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("log.dirs", directory.toString());
        // One node: every internal topic has one replica, and one partition where that makes starting faster.
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("num.partitions", "1");
        p.putAll(overrides);
        try
        {
            new Formatter()
                .setNodeId(1)
                .setClusterId(Uuid.randomUuid().toString())
                .setDirectories(List.of(directory.toString()))
                .setMetadataLogDirectory(directory.toString())
                .setControllerListenerName("CONTROLLER")
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .run();
        }
        catch (final Exception ex)
        {
            throw new IOException("cannot format a Kafka node in " + directory + ": " + ex, ex);
        }
        final LocalKafka kafka = new LocalKafka(directory, port, p);
        kafka.restart();
        return kafka;
    }

    /** @return {@code 127.0.0.1:port}, for {@code bootstrap.servers}. */
    public String bootstrapServers()
    {
        return "127.0.0.1:" + port;
    }

    /**
     * Makes a topic and waits until the broker has it.
     *
     * @param name topic name.
     * @param partitions partition count.
     * @param configs topic settings, e.g. {@code max.message.bytes}.
     */
    public void createTopic(final String name, final int partitions, final Map<String, String> configs)
    {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers())))
        {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short)1).configs(configs))).all()
                .get(30, TimeUnit.SECONDS);
            awaitLeaders(admin, name, partitions);
        }
        catch (final ExecutionException | java.util.concurrent.TimeoutException ex)
        {
            throw new IllegalStateException("cannot create topic " + name + ": " + ex, ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted creating topic " + name, ex);
        }
    }

    /**
     * The controller has a new topic before the broker leads its partitions: a producer's first batch then meets
     * NOT_LEADER_OR_FOLLOWER, and an idempotent producer's retries can stall on OUT_OF_ORDER_SEQUENCE_NUMBER. Until
     * the broker's metadata has caught up, describing the topic can also say it does not exist.
     */
    private static void awaitLeaders(final Admin admin, final String name, final int partitions)
        throws ExecutionException, InterruptedException, java.util.concurrent.TimeoutException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true)
        {
            if (hasLeaders(admin, name, partitions))
            {
                return;
            }
            if (System.nanoTime() > deadline)
            {
                throw new java.util.concurrent.TimeoutException("no leader for every partition of " + name);
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    // False while the broker does not know the topic yet, or some partition has no leader.
    private static boolean hasLeaders(final Admin admin, final String name, final int partitions)
        throws ExecutionException, InterruptedException, java.util.concurrent.TimeoutException
    {
        final TopicDescription description;
        try
        {
            description = admin.describeTopics(List.of(name)).allTopicNames().get(30, TimeUnit.SECONDS).get(name);
        }
        catch (final ExecutionException ex)
        {
            if (ex.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)
            {
                return false;
            }
            throw ex;
        }
        return description.partitions().size() == partitions &&
            description.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty());
    }

    /**
     * Stops the broker (and its controller), keeping its data: clients see it gone.
     */
    public synchronized void stop()
    {
        if (server != null)
        {
            server.shutdown();
            server.awaitShutdown();
            server = null;
        }
    }

    /**
     * Starts the broker again after {@link #stop()}, on the same ports with the same data; does nothing while it
     * runs.
     */
    public synchronized void restart()
    {
        if (server == null)
        {
            final KafkaRaftServer s = new KafkaRaftServer(new KafkaConfig(properties, false), Time.SYSTEM);
            s.startup();
            server = s;
        }
    }

    /** @return whether the broker runs. */
    public synchronized boolean isRunning()
    {
        return server != null;
    }

    /**
     * Stops the broker and deletes its folder.
     */
    @Override
    public void close()
    {
        stop();
        try
        {
            Files.walkFileTree(directory, new SimpleFileVisitor<>()
            {
                @Override
                public FileVisitResult visitFile(final Path file, final BasicFileAttributes attrs) throws IOException
                {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(final Path dir, final IOException exc) throws IOException
                {
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot delete " + directory, ex);
        }
    }

    // Free now; kept for the broker's life so that a restart comes back where clients look for it.
    private static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket())
        {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return socket.getLocalPort();
        }
    }
}
