package io.sluice.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class JsonTest
{
    @Test
    void writesKeysInInsertionOrderWithNestedObjects()
    {
        final Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("p50", 12L);
        latency.put("max", 900L);
        final Map<String, Object> object = new LinkedHashMap<>();
        object.put("stream", "demo");
        object.put("received", 100_000L);
        object.put("ok", true);
        object.put("missing", null);
        object.put("rate", 1.5);
        object.put("latencyMicros", latency);
        assertEquals("{\"stream\":\"demo\",\"received\":100000,\"ok\":true,\"missing\":null,\"rate\":1.5," +
            "\"latencyMicros\":{\"p50\":12,\"max\":900}}", Json.write(object));
    }

    @Test
    void escapesStrings()
    {
        final Map<String, Object> object = new LinkedHashMap<>();
        object.put("k\"ey", "quote\" backslash\\ newline\n tab\t cr\r nul\u0000 bell\u0007 sep\u2028 é");
        assertEquals("{\"k\\\"ey\":\"quote\\\" backslash\\\\ newline\\n tab\\t cr\\r nul\\u0000 bell\\u0007 " +
            "sep\\u2028 é\"}", Json.write(object));
    }

    @Test
    void nonFiniteNumbersBecomeNull()
    {
        final Map<String, Object> object = new LinkedHashMap<>();
        object.put("nan", Double.NaN);
        object.put("inf", Double.POSITIVE_INFINITY);
        assertEquals("{\"nan\":null,\"inf\":null}", Json.write(object));
    }

    @Test
    void refusesUnsupportedValues()
    {
        assertThrows(IllegalArgumentException.class, () -> Json.write(Map.of("list", java.util.List.of(1))));
    }

    @Test
    void writesFileWithTrailingNewline(@TempDir final Path dir) throws Exception
    {
        final Path file = dir.resolve("out.json");
        Json.writeFile(file, Map.of("sent", 3));
        assertEquals("{\"sent\":3}\n", Files.readString(file, StandardCharsets.UTF_8));
    }
}
