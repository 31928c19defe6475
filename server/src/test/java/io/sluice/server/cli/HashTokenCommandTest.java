package io.sluice.server.cli;

import io.sluice.server.security.TokenHash;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HashTokenCommandTest
{
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int execute(final String stdin, final String... args)
    {
        final HashTokenCommand command = new HashTokenCommand();
        command.in = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        return new CommandLine(command).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
            .execute(args);
    }

    @Test
    void hashesTheTokenOnStdinWithoutItsLineBreak()
    {
        assertEquals(0, execute("s3cret tok\u00e9n\r\n", "--iterations", "1000"));
        final TokenHash hash = TokenHash.parse(out.toString().strip());
        assertTrue(hash.matches("s3cret tok\u00e9n"), out.toString());
        assertEquals(1000, hash.iterations());
        assertEquals("", err.toString());
    }

    @Test
    void generatesATokenIntoAnOwnerOnlyFileAndPrintsItsHash() throws Exception
    {
        final Path tokenFile = dir.resolve("alice.token");
        assertEquals(0, execute("", "--generate", tokenFile.toString(), "--iterations", "1000"));
        final String token = Files.readString(tokenFile).strip();
        assertEquals(43, token.length());
        assertTrue(TokenHash.parse(out.toString().strip()).matches(token));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)));
        assertTrue(!out.toString().contains(token), "the token is not printed");
        // Never over a file that exists.
        assertEquals(1, execute("", "--generate", tokenFile.toString()));
        assertEquals(token, Files.readString(tokenFile).strip());
    }

    @Test
    void nothingOnStdinOrTooFewIterationsIsRefused()
    {
        assertEquals(1, execute(""));
        assertTrue(err.toString().contains("no token on stdin"), err.toString());
        assertEquals(2, execute("x\n", "--iterations", "10"));
    }
}
