package io.sluice.server.metrics;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The text-format parser behind {@code sluice top}, and the units it shows.
 */
class PrometheusTextTest
{
    @Test
    void parsesSamplesLabelsEscapesAndSpecialValues()
    {
        final PrometheusText text = PrometheusText.parse(String.join("\n",
            "# HELP sluice_x_total Something.",
            "# TYPE sluice_x_total counter",
            "sluice_x_total{stream=\"a\",subscriber=\"127.0.0.1:5\"} 12.0",
            "sluice_x_total{stream=\"b\\\"q\\\\\\n\" , subscription=\"\"} 3 1700000000000",
            "",
            "plain 1e3",
            "nan NaN",
            "inf +Inf",
            "minf -Inf",
            "trailing{a=\"1\",} 5"));
        assertEquals(2, text.samples("sluice_x_total").size());
        assertEquals(12.0, text.value("sluice_x_total", "stream", "a"));
        assertEquals(3.0, text.value("sluice_x_total", "stream", "b\"q\\\n"));
        assertEquals(Map.of("stream", "b\"q\\\n", "subscription", ""), text.samples("sluice_x_total").get(1).labels());
        assertEquals(15.0, text.sum("sluice_x_total"));
        assertEquals(1000.0, text.sum("plain"));
        assertTrue(Double.isNaN(text.sum("nan")));
        assertEquals(Double.POSITIVE_INFINITY, text.sum("inf"));
        assertEquals(Double.NEGATIVE_INFINITY, text.sum("minf"));
        assertEquals(5.0, text.value("trailing", "a", "1"));
        assertTrue(Double.isNaN(text.value("sluice_x_total", "stream", "none")));
        assertEquals(0.0, text.sum("absent"));
    }

    @Test
    void refusesWhatIsNotASample()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> PrometheusText.parse("ok 1\n<html>\n"));
        assertTrue(ex.getMessage().startsWith("line 2 "), ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("x{a=\"1\" 1"));
        assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("x{a=1} 1"));
        assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("x"));
        assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("x abc"));
    }

    @Test
    void humanUnits()
    {
        assertEquals("0", TopScreen.count(0));
        assertEquals("999", TopScreen.count(999));
        assertEquals("1.00k", TopScreen.count(999.7));
        assertEquals("12.3k", TopScreen.count(12_345));
        assertEquals("123k", TopScreen.count(123_456));
        assertEquals("1.23M", TopScreen.count(1_234_567));
        assertEquals("0 B", TopScreen.bytes(0));
        assertEquals("1023 B", TopScreen.bytes(1023));
        assertEquals("1.50 KiB", TopScreen.bytes(1536));
        assertEquals("256 KiB", TopScreen.bytes(262_144));
        assertEquals("8.00 MiB", TopScreen.bytes(8 << 20));
        assertEquals("1.00 GiB", TopScreen.bytes(1 << 30));
        assertEquals("42s", TopScreen.duration(42.9));
        assertEquals("5m07s", TopScreen.duration(307));
        assertEquals("1h02m", TopScreen.duration(3720));
        assertEquals("3d04h", TopScreen.duration(3 * 86400 + 4 * 3600));
    }
}
