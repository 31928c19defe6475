package io.sluice.core.protocol;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/protocol.md's error table (§7) lists exactly the codes of {@link ErrorCode}, each with its number and name, so
 * that a client written from the document knows every code the relay can send.
 */
class ErrorCodeDocumentedTest
{
    // A row of the error table: | 18 | SUBSCRIPTION_IN_USE | ...
    private static final Pattern ROW = Pattern.compile("^\\|\\s*(\\d+)\\s*\\|\\s*([A-Z][A-Z_]*)\\s*\\|");

    @Test
    void everyErrorCodeIsInProtocolMdWithItsNumberAndName() throws IOException
    {
        final Map<Integer, String> documented = documentedCodes();
        final Map<Integer, String> inCode = new TreeMap<>();
        for (final ErrorCode code : ErrorCode.values())
        {
            inCode.put(code.code(), code.name());
        }
        assertEquals(inCode, documented, "protocol.md §7's error table against ErrorCode");
    }

    @Test
    void everyCodeRoundTripsThroughFromCode()
    {
        for (final ErrorCode code : ErrorCode.values())
        {
            assertEquals(code, ErrorCode.fromCode(code.code()), code.name());
        }
    }

    private static Map<Integer, String> documentedCodes() throws IOException
    {
        final List<String> lines = Files.readAllLines(ProtocolDocument.path(), StandardCharsets.UTF_8);
        final Map<Integer, String> codes = new TreeMap<>();
        boolean inErrors = false;
        for (final String line : lines)
        {
            if (line.startsWith("## "))
            {
                inErrors = line.startsWith("## 7. Errors");
                continue;
            }
            final Matcher row = ROW.matcher(line);
            if (inErrors && row.find())
            {
                final String before = codes.put(Integer.parseInt(row.group(1)), row.group(2));
                assertEquals(null, before, "code " + row.group(1) + " listed twice in protocol.md");
            }
        }
        assertTrue(!codes.isEmpty(), "no error table found under '## 7. Errors' in " + ProtocolDocument.path());
        return codes;
    }

}
