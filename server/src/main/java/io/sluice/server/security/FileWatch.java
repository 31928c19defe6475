package io.sluice.server.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Tells whether any of a few files changed since the last look: size, modification time and file key (which a
 * rename over the file, as certificate tools and Kubernetes' secret volumes do, changes). Compared with the last
 * look, not the last successful reload: a file that failed to load is tried again when it changes again, not at
 * every look.
 */
final class FileWatch
{
    private final List<Path> files;
    private List<Object> last;

    FileWatch(final List<Path> files)
    {
        this.files = List.copyOf(files);
        this.last = look();
    }

    /** @return whether there is anything to watch. */
    boolean isEmpty()
    {
        return files.isEmpty();
    }

    /** @return whether a file changed (or appeared, or went) since the last call. */
    boolean changed()
    {
        final List<Object> now = look();
        final boolean changed = !now.equals(last);
        last = now;
        return changed;
    }

    private List<Object> look()
    {
        final List<Object> state = new ArrayList<>();
        for (final Path file : files)
        {
            try
            {
                final BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                state.add(List.of(attributes.size(), attributes.lastModifiedTime(),
                    Objects.requireNonNullElse(attributes.fileKey(), "")));
            }
            catch (final IOException ex)
            {
                state.add("missing");
            }
        }
        return state;
    }
}
