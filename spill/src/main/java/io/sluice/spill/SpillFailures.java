package io.sluice.spill;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.EOFException;
import java.io.IOException;
import java.io.StreamCorruptedException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;

/**
 * How the spill classes tell Chronicle's failures apart. A damaged file is dealt with (set aside, deleted, skipped and
 * counted); a failure of the environment (no file handles, no memory to map, an I/O error) is thrown and nothing is
 * deleted for it, since it may be gone a moment later and the file is then still good.
 */
final class SpillFailures
{
    // Logs as the store: operators configure, and tests watch, the store's logger.
    private static final Logger LOG = LoggerFactory.getLogger(SpillStore.class);

    private SpillFailures()
    {
    }

    /** @return whether {@code t} is an I/O or resource failure (a file cannot be opened or mapped now), not content. */
    static boolean isEnvironmental(final Throwable t)
    {
        for (Throwable cause = t; cause != null; cause = cause.getCause())
        {
            if (cause instanceof OutOfMemoryError
                || cause instanceof IOException
                    && !(cause instanceof EOFException || cause instanceof StreamCorruptedException))
            {
                return true;
            }
        }
        return false;
    }

    /**
     * @return whether {@code t} says a file's content is malformed (as opposed to an I/O or environment problem, for
     * which no file is ever deleted).
     */
    static boolean isCorruption(final Throwable t)
    {
        for (Throwable cause = t; cause != null; cause = cause.getCause())
        {
            if (cause instanceof StreamCorruptedException || cause instanceof BufferUnderflowException
                || cause instanceof EOFException)
            {
                return true;
            }
            if (cause instanceof AssertionError && cause.getCause() == null)
            {
                // A bare assert in Chronicle's readers (with -ea); Chronicle also wraps access errors (missing JVM
                // flags) in AssertionError, which have a cause and are not corruption.
                return true;
            }
        }
        return false;
    }

    /** @return {@code t} as an unchecked exception to throw; an {@link Error} is thrown from here. */
    static RuntimeException propagate(final Throwable t)
    {
        if (t instanceof RuntimeException)
        {
            return (RuntimeException)t;
        }
        if (t instanceof Error)
        {
            throw (Error)t;
        }
        if (t instanceof IOException)
        {
            return new UncheckedIOException((IOException)t);
        }
        return new IllegalStateException(t);
    }

    /** Closes {@code closeable} (if not null), logging rather than throwing what its close throws. */
    static void closeQuietly(final AutoCloseable closeable)
    {
        if (closeable == null)
        {
            return;
        }
        try
        {
            closeable.close();
        }
        catch (final Exception e)
        {
            LOG.debug("closing {}", closeable, e);
        }
    }
}
