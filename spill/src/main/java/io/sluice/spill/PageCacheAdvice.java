package io.sluice.spill;

/**
 * Lets the page cache go of frames no reader needs soon. For every cycle file after the one the reader is in, the
 * kernel is asked ({@link PageCache}) to write back its dirty pages and drop its clean ones; in the file appends go to,
 * all but the last {@value #WARM_APPEND_BYTES} bytes appended (Chronicle's mapped block is there anyway). The reader's
 * own file is left alone, so a reader that keeps up finds what it reads next in memory; frames further back are read
 * from disk when their turn comes. Nothing is lost: the kernel drops only pages already on disk. Owner thread only.
 */
final class PageCacheAdvice
{
    /** Bytes at the end of the file appends go to that stay cached. */
    static final long WARM_APPEND_BYTES = 16L << 20;

    private final CycleFiles cycleFiles;
    private long bytesAppendedSinceDrop;

    PageCacheAdvice(final CycleFiles cycleFiles)
    {
        this.cycleFiles = cycleFiles;
    }

    /** Counts appended bytes: advice is given again only after something was appended. */
    void onAppended(final long bytes)
    {
        bytesAppendedSinceDrop += bytes;
    }

    /**
     * @param readerStarted    whether the reader has started; one that has not starts in the first file.
     * @param readerCycle      the cycle the reader is in, when it has started.
     * @param appendCycle      the cycle appends go to, or {@link CycleFiles#NO_CYCLE}.
     * @param currentFileBytes bytes appended to the file appends go to.
     * @return files the kernel was advised on; 0 where {@link PageCache} is unavailable or nothing was appended since.
     */
    int dropCachedPages(
        final boolean readerStarted, final int readerCycle, final int appendCycle, final long currentFileBytes)
    {
        if (!PageCache.available() || appendCycle == CycleFiles.NO_CYCLE || bytesAppendedSinceDrop == 0)
        {
            return 0;
        }
        bytesAppendedSinceDrop = 0;
        final int[] cycles = cycleFiles.list();
        final int reader = readerStarted ? readerCycle : (cycles.length == 0 ? appendCycle : cycles[0]);
        if (reader == appendCycle)
        {
            return 0;
        }
        int advised = 0;
        for (final int cycle : cycles)
        {
            if (cycle <= reader || cycle > appendCycle)
            {
                continue;
            }
            // 0: to the end of the file (a file appends no longer go to).
            final long length = cycle == appendCycle ? currentFileBytes - WARM_APPEND_BYTES : 0;
            if (cycle == appendCycle && length <= 0)
            {
                continue;
            }
            if (PageCache.dropCached(cycleFiles.file(cycle), 0, length) == PageCache.OK)
            {
                advised++;
            }
        }
        return advised;
    }
}
