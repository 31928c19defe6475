package io.sluice.server.config;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigValuesTest
{
    private final ConfigValues values = new ConfigValues("relay.yaml");

    private static String error(final Runnable read)
    {
        return assertThrows(IllegalArgumentException.class, read::run).getMessage();
    }

    @Test
    void parsesWholeNumbers()
    {
        assertEquals(42, values.wholeNumber(" 42 ", "a.b"));
        assertEquals(-1, values.wholeNumber("-1", "a.b"));
        assertEquals("bad value for 'a.b' in relay.yaml: 'x' is not a whole number",
            error(() -> values.wholeNumber("x", "a.b")));
        assertEquals("bad value for 'a.b' in relay.yaml: '3000000000' is out of range",
            error(() -> values.wholeNumber("3000000000", "a.b")));
    }

    @Test
    void parsesByteSizesWithUnits()
    {
        assertEquals(8L << 20, values.bytes("8MiB", "lane-bytes"));
        assertEquals(32_000, values.intBytes("32KB", "max-read-bytes"));
        assertTrue(error(() -> values.bytes("lots", "lane-bytes"))
            .startsWith("bad value for 'lane-bytes' in relay.yaml: 'lots' is not a byte size"));
        assertTrue(error(() -> values.intBytes("4GiB", "max-frame-length"))
            .startsWith("bad value for 'max-frame-length' in relay.yaml"));
    }

    @Test
    void parsesDurationsAsMillis()
    {
        assertEquals(1_500, values.millis("1500ms", "hello-timeout"));
        assertEquals(60_000, values.millis("1m", "hello-timeout"));
        assertTrue(error(() -> values.millis("5:00", "hello-timeout"))
            .startsWith("bad value for 'hello-timeout' in relay.yaml: '5:00' is not a duration"));
    }

    @Test
    void parsesTrueOrFalseOnly()
    {
        assertTrue(values.yesOrNo("true", "tls.metrics"));
        assertTrue(values.yesOrNo(" TRUE ", "tls.metrics"));
        assertFalse(values.yesOrNo("False", "tls.metrics"));
        assertEquals("bad value for 'tls.metrics' in relay.yaml: 'on' is not true or false",
            error(() -> values.yesOrNo("on", "tls.metrics")));
    }

    @Test
    void namesAMissingOrStructuredValue()
    {
        assertEquals("bad value for 'port' in relay.yaml: no value given", error(() -> values.scalar(null, "port")));
        assertTrue(error(() -> values.scalar(List.of("1"), "port"))
            .startsWith("bad value for 'port' in relay.yaml: expected a single value, found "));
        assertTrue(error(() -> values.text(Map.of(), "bind"))
            .startsWith("bad value for 'bind' in relay.yaml: expected text, found "));
        assertEquals("5", values.scalar(5, "port"));
    }

    @Test
    void checksMappingsAndTheirKeys()
    {
        final Map<String, String> map = Map.of("a", "1");
        assertSame(map, values.mapping(map, "x"));
        assertTrue(error(() -> values.mapping("text", "x"))
            .startsWith("bad value for 'x' in relay.yaml: expected a mapping (key: value), found "));
        assertTrue(error(() -> values.mapping("text", null))
            .startsWith("relay.yaml must hold a mapping of settings (key: value), found "));

        values.checkKeys(map, "x", List.of("a", "b"));
        assertEquals("unknown key 'x.c' in relay.yaml (known: a, b)",
            error(() -> values.checkKeys(Map.of("c", "1"), "x", List.of("a", "b"))));
        assertEquals("unknown key 'c' in relay.yaml (known: a, b)",
            error(() -> values.checkKeys(Map.of("c", "1"), null, List.of("a", "b"))));
    }

    @Test
    void namesTheKeyOfAnUnknownName()
    {
        assertEquals(Integer.valueOf(7), values.<Integer>named("seven", "n", s -> 7));
        assertEquals("bad value for 'n' in relay.yaml: nope", error(() -> values.<Integer>named("x", "n", s ->
        {
            throw new IllegalArgumentException("nope");
        })));
    }
}
