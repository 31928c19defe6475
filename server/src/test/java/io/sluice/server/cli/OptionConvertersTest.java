package io.sluice.server.cli;

import io.sluice.core.tls.TlsProvider;
import io.sluice.server.security.TlsSettings;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OptionConvertersTest
{
    private static String refusal(final org.junit.jupiter.api.function.Executable convert)
    {
        return assertThrows(TypeConversionException.class, convert).getMessage();
    }

    @Test
    void byteSizes()
    {
        assertEquals(8L << 20, new OptionConverters.Bytes().convert("8MiB"));
        assertEquals(32_000, new OptionConverters.IntBytes().convert("32KB"));
        assertTrue(refusal(() -> new OptionConverters.Bytes().convert("lots")).contains("'lots' is not a byte size"));
        assertEquals("'4GiB' is too large (at most " + Integer.MAX_VALUE + " bytes)",
            refusal(() -> new OptionConverters.IntBytes().convert("4GiB")));
    }

    @Test
    void durations()
    {
        assertEquals(1_500, new OptionConverters.Millis().convert("1500ms"));
        assertEquals(300_000, new OptionConverters.Millis().convert("5m"));
        assertEquals(250_000L, new OptionConverters.Nanos().convert("250us"));
        assertTrue(refusal(() -> new OptionConverters.Millis().convert("5:00")).contains("'5:00' is not a duration"));
        assertTrue(refusal(() -> new OptionConverters.Nanos().convert("soon")).contains("'soon'"));
    }

    @Test
    void logFormats()
    {
        assertEquals("json", new OptionConverters.LogFormatName().convert(" JSON "));
        assertEquals("text", new OptionConverters.LogFormatName().convert("text"));
        assertEquals("'xml' is not a log format (known: text, json)",
            refusal(() -> new OptionConverters.LogFormatName().convert("xml")));
    }

    @Test
    void tlsNames()
    {
        assertEquals(TlsProvider.OPENSSL, new OptionConverters.TlsProviderName().convert("OpenSSL"));
        assertEquals(TlsSettings.ClientAuth.OPTIONAL, new OptionConverters.ClientAuthName().convert("optional"));
        assertEquals("'boring' is not a TLS provider (known: auto, jdk, openssl)",
            refusal(() -> new OptionConverters.TlsProviderName().convert("boring")));
        assertEquals("'sometimes' is not a client-auth mode (known: none, optional, required)",
            refusal(() -> new OptionConverters.ClientAuthName().convert("sometimes")));
    }

    @Test
    void strategyNamesAreCheckedAndKeptAsWritten()
    {
        assertEquals("SPILL", new OptionConverters.StrategyName().convert("SPILL"));
        assertTrue(refusal(() -> new OptionConverters.StrategyName().convert("drop"))
            .contains("unknown strategy 'drop'"));

        final List<String> names = new ArrayList<>();
        new OptionConverters.StrategyNames().forEach(names::add);
        assertEquals(List.of("throttle", "buffer", "spill"), names.subList(0, 3));
        assertTrue(names.containsAll(List.of("drop-newest", "drop-oldest", "latest-by-key", "sample", "deadline")),
            names::toString);
    }
}
