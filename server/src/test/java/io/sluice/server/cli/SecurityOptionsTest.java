package io.sluice.server.cli;

import io.sluice.core.tls.TlsProvider;
import io.sluice.server.security.SecurityConfig;
import io.sluice.server.security.TlsSettings;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SecurityOptionsTest
{
    @Command(name = "host")
    static final class Host
    {
        @Mixin
        SecurityOptions security = new SecurityOptions();
    }

    private static SecurityOptions parse(final String... args)
    {
        final Host host = new Host();
        new CommandLine(host).parseArgs(args);
        return host.security;
    }

    @Test
    void noFlagsLeaveTheFilesSettingsAsTheyAre()
    {
        final SecurityConfig fromFile = SecurityConfig.DEFAULT.withPrincipalsFile(Path.of("p.yaml"));

        assertSame(fromFile, parse().applyTo(fromFile));
    }

    @Test
    void flagsGivenOverrideOnlyWhatTheyName()
    {
        final SecurityConfig fromFile = SecurityConfig.DEFAULT.withConnectionLimits(100, 20)
            .withTls(new TlsSettings(Path.of("file.crt"), Path.of("file.key"), null, null, TlsProvider.JDK, false));

        final SecurityConfig security = parse("--max-unauthenticated-connections", "5", "--tls-cert", "flag.crt",
            "--metrics-tls", "--metrics-token-file", "m.token").applyTo(fromFile);

        assertEquals(100, security.maxConnections());
        assertEquals(5, security.maxUnauthenticatedConnections());
        assertEquals(Path.of("flag.crt"), security.tls().certificate());
        assertEquals(Path.of("file.key"), security.tls().key());
        assertEquals(TlsProvider.JDK, security.tls().provider());
        assertTrue(security.tls().metrics());
        assertEquals(Path.of("m.token"), security.metricsTokenFile());
    }

    @Test
    void aClientCaGivenDoesNotTakeTheFilesClientAuthMode()
    {
        final SecurityConfig fromFile = SecurityConfig.DEFAULT.withTls(new TlsSettings(Path.of("a.crt"),
            Path.of("a.key"), Path.of("file-ca.crt"), TlsSettings.ClientAuth.OPTIONAL, TlsProvider.AUTO, false));

        final SecurityConfig security = parse("--tls-client-ca", "flag-ca.crt").applyTo(fromFile);

        assertEquals(Path.of("flag-ca.crt"), security.tls().clientCa());
        assertEquals(TlsSettings.ClientAuth.REQUIRED, security.tls().clientAuth());
    }

    @Test
    void tlsFromFlagsAlone()
    {
        final SecurityConfig security = parse("--tls-cert", "a.crt", "--tls-key", "a.key", "--tls-provider",
            "openssl").applyTo(SecurityConfig.DEFAULT);

        assertEquals(TlsSettings.of(Path.of("a.crt"), Path.of("a.key")).withProvider(TlsProvider.OPENSSL),
            security.tls());
    }
}
