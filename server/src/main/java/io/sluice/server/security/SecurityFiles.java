package io.sluice.server.security;

import io.netty.util.concurrent.DefaultThreadFactory;
import io.sluice.server.config.text.PlainYaml;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The files security reads: the principals file, the TLS certificate, key and client CA, the metrics token file.
 * Loads them all or nothing ({@link #load}), and watches them so that a change reloads them: checked every
 * reload-check-interval on a thread of its own, never on an event loop. The watch thread is the only one that
 * looks ({@link #reloadIfChanged}).
 */
final class SecurityFiles implements AutoCloseable
{
    /** Gatekeeper's: reloads are logged under one name, whichever class does the part. */
    private static final Logger LOG = LoggerFactory.getLogger(Gatekeeper.class);

    private final SecurityConfig config;
    private FileWatch watch;
    private Runnable reload;
    private ScheduledExecutorService checker;

    /**
     * @param config the security settings that name the files.
     */
    SecurityFiles(final SecurityConfig config)
    {
        this.config = config;
    }

    /** What the files hold, read together. */
    record Contents(Principals principals, TlsMaterial tls, byte[] metricsToken)
    {
    }

    /**
     * @return what the files hold now: {@link Principals#NONE}, null TLS and a null token for the files not set.
     * @throws IllegalArgumentException naming the file that cannot be read, or the setting at fault.
     */
    Contents load()
    {
        final Principals principals = config.principalsFile() == null ? Principals.NONE :
            PrincipalsFile.load(config.principalsFile());
        final TlsMaterial tls = config.tls() == null ? null : TlsMaterial.load(config.tls());
        return new Contents(principals, tls, metricsToken());
    }

    /**
     * Takes the files as they are now as unchanged, then checks them every reload-check-interval (when it is not 0
     * and a file is set) and runs {@code reload} when one changed. Called once, after the first {@link #load}.
     *
     * @param reload what to do when a file changed; on the checking thread.
     */
    void watch(final Runnable reload)
    {
        this.reload = reload;
        this.watch = new FileWatch(watchedFiles(config));
        if (config.reloadCheckIntervalMs() > 0 && !watch.isEmpty())
        {
            checker = Executors.newSingleThreadScheduledExecutor(
                new DefaultThreadFactory("sluice-security-reload", true));
            checker.scheduleWithFixedDelay(this::reloadIfChanged, config.reloadCheckIntervalMs(),
                config.reloadCheckIntervalMs(), TimeUnit.MILLISECONDS);
        }
    }

    /** One look at the files, as the checking thread takes: reloads when one changed since the last look. */
    void reloadIfChanged()
    {
        try
        {
            if (watch.changed())
            {
                LOG.info("security files changed: reloading");
                reload.run();
            }
        }
        catch (final RuntimeException ex)
        {
            LOG.error("checking the security files for changes failed", ex);
        }
    }

    /** Stops watching. */
    @Override
    public void close()
    {
        if (checker != null)
        {
            checker.shutdownNow();
        }
    }

    static List<Path> watchedFiles(final SecurityConfig config)
    {
        final List<Path> files = new ArrayList<>();
        if (config.principalsFile() != null)
        {
            files.add(config.principalsFile());
        }
        if (config.tls() != null)
        {
            files.add(config.tls().certificate());
            files.add(config.tls().key());
            if (config.tls().clientCa() != null)
            {
                files.add(config.tls().clientCa());
            }
        }
        if (config.metricsTokenFile() != null)
        {
            files.add(config.metricsTokenFile());
        }
        return files;
    }

    private byte[] metricsToken()
    {
        if (config.metricsTokenFile() == null)
        {
            return null;
        }
        final String text = PlainYaml.readText(config.metricsTokenFile(), "metrics-token-file");
        final String token = text.replaceAll("[\r\n]+$", "");
        if (token.isEmpty())
        {
            throw new IllegalArgumentException("metrics-token-file " + config.metricsTokenFile() + " is empty");
        }
        return token.getBytes(StandardCharsets.UTF_8);
    }
}
