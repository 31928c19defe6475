package io.sluice.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Temp folders of runs (spill directories, JetStream stores). */
public final class Folders
{
    private Folders()
    {
    }

    /**
     * Deletes a folder and everything in it; a failure leaves files behind rather than failing the run.
     *
     * @param root the folder.
     */
    public static void delete(final Path root)
    {
        if (!Files.exists(root))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(root))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        catch (final IOException ignored)
        {
            // A temp folder left behind is not worth failing the run over.
        }
    }
}
