package io.sluice.server.cli;

import io.sluice.server.security.TokenHash;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Callable;

/**
 * {@code sluice hash-token}: prints the hash of a token for a principals file ({@code token:} or {@code tokens:}),
 * reading the token from stdin (never from the command line, which {@code ps} shows); or, with {@code --generate},
 * makes a new random token, writes it to a file readable by its owner only, and prints its hash.
 */
@Command(name = "hash-token", mixinStandardHelpOptions = true, versionProvider = RelayCommand.Version.class,
    sortOptions = false, usageHelpAutoWidth = true,
    description = {
        "Prints the hash of a token, as a principals file wants it (token: pbkdf2-sha256:...), reading the token from "
            + "stdin (its first line).",
        "With --generate FILE: makes a random token (32 bytes, base64url), writes it to FILE (owner-only) for the "
            + "client, and prints its hash.",
        "Example: ./sluice hash-token --generate alice.token >> hashes.txt"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:the hash was printed", "1:the token could not be read or the file written",
        "2:bad command line"})
public final class HashTokenCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Option(names = "--generate", paramLabel = "FILE",
        description = "Make a new random token and write it to FILE (which must not exist), instead of reading stdin.")
    private Path generate;

    @Option(names = "--iterations", paramLabel = "N", defaultValue = "" + TokenHash.DEFAULT_ITERATIONS,
        description = "PBKDF2 iterations (default: ${DEFAULT-VALUE}; at least " + TokenHash.MIN_ITERATIONS + "). "
            + "More cost the relay more CPU the first time it sees a token; tokens from --generate need no more.")
    private int iterations;

    // Stdin, replaceable in tests.
    InputStream in = System.in;

    /**
     * Runs the command and exits with its code.
     *
     * @param args command-line arguments.
     */
    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new HashTokenCommand()).execute(args));
    }

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        if (iterations < TokenHash.MIN_ITERATIONS)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--iterations must be at least " +
                TokenHash.MIN_ITERATIONS);
        }
        final String token;
        try
        {
            token = generate != null ? generated(generate) : fromStdin();
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            err.println("sluice hash-token: " + ex.getMessage());
            err.flush();
            return 1;
        }
        out.println(TokenHash.of(token, iterations).text());
        out.flush();
        return 0;
    }

    private String fromStdin() throws IOException
    {
        final String text = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
        final int end = text.indexOf('\n');
        final String token = (end < 0 ? text : text.substring(0, end)).replaceAll("\r$", "");
        if (token.isEmpty())
        {
            throw new IllegalArgumentException("no token on stdin (type it, or: ./sluice hash-token < token-file)");
        }
        return token;
    }

    private static String generated(final Path file) throws IOException
    {
        final String token = TokenHash.newToken();
        try
        {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        catch (final UnsupportedOperationException ex)
        {
            Files.createFile(file);
        }
        Files.writeString(file, token + "\n", StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
        return token;
    }
}
