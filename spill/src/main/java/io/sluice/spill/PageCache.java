package io.sluice.spill;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;

/**
 * Asks the kernel to write back a file's dirty pages and drop its clean ones from the page cache
 * ({@code posix_fadvise(POSIX_FADV_DONTNEED)}), for spilled frames no reader needs soon.
 * <p>
 * Why: everything the disk tier writes goes through the page cache (Chronicle Queue writes through memory mappings),
 * and the kernel grows the cache into free memory. A long spill then fills gigabytes of cache, pushing other files
 * out, and every new page costs a fresh allocation; on a virtual machine that hands free pages back to its host, a
 * fresh page costs microseconds to fault in (see docs/benchmarks.md). Dropped pages are reused while still warm.
 * <p>
 * Safe for the data: only clean pages (already on disk) are dropped, and pages still mapped are kept by the kernel.
 * Linux only, through JNA; elsewhere, or when the native call cannot be bound, every call does nothing. The system
 * property {@value #ENABLED_PROPERTY}{@code =false} turns it off (spilled files then stay cached until the kernel
 * evicts them, as any file's pages).
 */
final class PageCache
{
    private static final Logger LOG = LoggerFactory.getLogger(PageCache.class);

    /** System property: {@code false} turns the advice off. */
    static final String ENABLED_PROPERTY = "sluice.spill.dropCachedPages";

    /** Status: the kernel took the advice. */
    static final int OK = 0;
    /** Status: not available on this platform; nothing done. */
    static final int UNAVAILABLE = -1;
    /** Status: the file could not be opened (for instance deleted meanwhile); nothing done. */
    static final int NOT_OPENED = -2;

    private static final int O_RDONLY = 0;
    private static final int POSIX_FADV_DONTNEED = 4;
    private static final boolean AVAILABLE = bind();

    private PageCache()
    {
    }

    /**
     * @return whether calls do anything here.
     */
    static boolean available()
    {
        return AVAILABLE;
    }

    /**
     * Starts write-back of the file's dirty pages in {@code [offset, offset + length)} and drops its clean, unmapped
     * pages there. Never blocks on the disk.
     *
     * @param file   the file.
     * @param offset first byte.
     * @param length bytes; 0 for up to the end of the file.
     * @return {@link #OK}, {@link #UNAVAILABLE}, {@link #NOT_OPENED}, or the error number {@code posix_fadvise}
     * returned.
     */
    static int dropCached(final Path file, final long offset, final long length)
    {
        if (!AVAILABLE)
        {
            return UNAVAILABLE;
        }
        final int fd = LibC.open(file.toString(), O_RDONLY);
        if (fd < 0)
        {
            return NOT_OPENED;
        }
        try
        {
            return LibC.posix_fadvise(fd, offset, length, POSIX_FADV_DONTNEED);
        }
        finally
        {
            LibC.close(fd);
        }
    }

    private static boolean bind()
    {
        if (!Boolean.parseBoolean(System.getProperty(ENABLED_PROPERTY, "true")) || !Platform.isLinux() ||
            !Platform.is64Bit())
        {
            return false;
        }
        try
        {
            Native.register(LibC.class, Platform.C_LIBRARY_NAME);
            return true;
        }
        catch (final Throwable ex)
        {
            LOG.info("page-cache advice unavailable ({}): spilled files stay cached until the kernel evicts them",
                ex.toString());
            return false;
        }
    }

    /** libc, bound by JNA's direct mapping (no per-call reflection). 64-bit Linux: off_t is a long. */
    private static final class LibC
    {
        static native int open(String path, int flags);

        // JNA's direct mapping binds a method to the libc symbol of the same name.
        @SuppressWarnings("checkstyle:MethodName")
        static native int posix_fadvise(int fd, long offset, long length, int advice);

        static native int close(int fd);
    }
}
