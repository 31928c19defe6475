package io.sluice.spill;

import com.sun.jna.Library;
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
 * <p>Thread-safe; allocates per call (not for the per-frame path).
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

    /**
     * libc's {@code stat}; a JNA interface mapping, public only because JNA proxies it.
     */
    public interface LibC extends Library
    {
        /**
         * @param path file name.
         * @param buf  a {@code struct stat}.
         * @return 0 on success.
         */
        int stat(String path, Pointer buf);
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
                final LibC libc = Native.load("c", LibC.class);
                // Self-check: st_size must agree with the JDK's view of a file we know.
                final Path probe = Files.createTempFile("sluice-spill-stat", ".tmp");
                try
                {
                    Files.write(probe, new byte[12345]);
                    final Memory buf = new Memory(STAT_BUFFER_SIZE);
                    if (libc.stat(probe.toString(), buf) != 0 || buf.getLong(ST_SIZE_OFFSET) != 12345
                        || buf.getLong(ST_BLOCKS_OFFSET) <= 0)
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
     * @return bytes allocated to it on disk, or its length when allocation cannot be read; 0 if it does not exist.
     * @throws IOException on an I/O error other than the file being missing.
     */
    static long allocated(final Path file) throws IOException
    {
        final LibC libc = Native64.LIBC;
        if (libc != null)
        {
            final Memory buf = new Memory(STAT_BUFFER_SIZE);
            if (libc.stat(file.toString(), buf) == 0)
            {
                return buf.getLong(ST_BLOCKS_OFFSET) * 512L;
            }
            return Files.exists(file) ? Files.size(file) : 0L;
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
                if (Files.isRegularFile(file))
                {
                    total += allocated(file);
                }
            }
        }
        return total;
    }
}
