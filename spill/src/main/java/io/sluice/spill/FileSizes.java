package io.sluice.spill;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Allocated (on-disk) size of files. Chronicle's cycle files are sparse: their length is a whole number of blocks but
 * only the pages written take disk space, so {@link Files#size} overstates disk use many times over. Java has no API
 * for {@code st_blocks}; this calls libc {@code stat(2)} through JNA (which Chronicle already brings) on 64-bit Linux
 * (x86-64 and aarch64 share the {@code struct stat} offsets used here). Elsewhere, or if the native call fails its
 * self-check, it falls back to the file length, which is an upper bound.
 *
 * <p>Thread-safe (a {@code struct stat} buffer per thread); a few microseconds per file, not for the per-frame path.
 */
final class FileSizes
{
    private static final Logger LOG = LoggerFactory.getLogger(FileSizes.class);
    private static final int STAT_BUFFER_SIZE = 256;
    private static final int ST_SIZE_OFFSET = 48;
    private static final int ST_BLOCKS_OFFSET = 64;

    private FileSizes()
    {
    }

    /** libc's {@code stat}, bound with JNA direct mapping (no proxy, no argument array per call). */
    static final class LibC
    {
        private static final ThreadLocal<Memory> BUFFER = ThreadLocal.withInitial(() -> new Memory(STAT_BUFFER_SIZE));

        LibC()
        {
            Native.register(LibC.class, "c");
        }

        static native int stat(String path, Pointer buf);

        /** @return st_blocks * 512, or -1 if stat failed. */
        long allocated(final String path)
        {
            final Memory buf = BUFFER.get();
            return stat(path, buf) == 0 ? buf.getLong(ST_BLOCKS_OFFSET) * 512L : -1;
        }

        long size(final String path)
        {
            final Memory buf = BUFFER.get();
            return stat(path, buf) == 0 ? buf.getLong(ST_SIZE_OFFSET) : -1;
        }
    }

    private static final class Native64
    {
        static final LibC LIBC = load();

        private static LibC load()
        {
            final String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
            final String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
            if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64")))
            {
                return null;
            }
            try
            {
                final LibC libc = new LibC();
                // Self-check: st_size must agree with the JDK's view of a file we know.
                final Path probe = Files.createTempFile("sluice-spill-stat", ".tmp");
                try
                {
                    Files.write(probe, new byte[12345]);
                    if (libc.size(probe.toString()) != 12345 || libc.allocated(probe.toString()) <= 0)
                    {
                        LOG.warn("stat(2) self-check failed; spill disk use is reported as file lengths");
                        return null;
                    }
                    return libc;
                }
                finally
                {
                    Files.deleteIfExists(probe);
                }
            }
            catch (final Throwable t)
            {
                LOG.warn("stat(2) via JNA unavailable ({}); spill disk use is reported as file lengths", t.toString());
                return null;
            }
        }
    }

    /**
     * @return whether sizes are real allocations (true) or file lengths (false).
     */
    static boolean allocationAvailable()
    {
        return Native64.LIBC != null;
    }

    /**
     * @param file a file.
     * @return bytes allocated to it on disk, or its length when allocation cannot be read; 0 if it does not exist
     * (for example deleted meanwhile).
     * @throws IOException on an I/O error other than the file being missing.
     */
    static long allocated(final Path file) throws IOException
    {
        final LibC libc = Native64.LIBC;
        if (libc != null)
        {
            final long allocated = libc.allocated(file.toString());
            if (allocated >= 0)
            {
                return allocated;
            }
        }
        try
        {
            return Files.size(file);
        }
        catch (final NoSuchFileException e)
        {
            return 0L;
        }
    }

    /**
     * @param directory a directory.
     * @return allocated bytes of the regular files directly inside it.
     * @throws IOException on an I/O error.
     */
    static long allocatedInDirectory(final Path directory) throws IOException
    {
        long total = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory))
        {
            for (final Path file : files)
            {
                if (!Files.isDirectory(file))
                {
                    total += allocated(file);
                }
            }
        }
        return total;
    }
}
