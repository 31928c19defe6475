package io.sluice.spill;

import org.agrona.collections.IntHashSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;

/**
 * Counts frames lost to damage in {@link SpillGauges#damagedSkipped()} and says so: one WARN per damaged file, naming
 * it, then DEBUG for further losses in the same file, so that a badly damaged file does not flood the log. Owner
 * thread only.
 */
final class DamageLog
{
    // Logs as the store: operators configure, and tests watch, the store's logger.
    private static final Logger LOG = LoggerFactory.getLogger(SpillStore.class);

    private final Path directory;
    private final CycleFiles cycleFiles;
    private final SpillGauges gauges;
    private final IntHashSet warnedCycles = new IntHashSet();

    DamageLog(final Path directory, final CycleFiles cycleFiles, final SpillGauges gauges)
    {
        this.directory = directory;
        this.cycleFiles = cycleFiles;
        this.gauges = gauges;
    }

    /**
     * Counts {@code frames} lost in {@code cycle}'s file and logs it.
     *
     * @param cycle  the damaged file's cycle.
     * @param what   what was found and done.
     * @param frames frames lost (may be 0).
     */
    void lost(final int cycle, final String what, final long frames)
    {
        gauges.addDamagedSkipped(frames);
        if (warnedCycles.add(cycle))
        {
            LOG.warn("spill store {}: damaged file {}: {}; frames lost are counted in damagedSkipped()", directory,
                cycleFiles.file(cycle).getFileName(), what);
        }
        else
        {
            LOG.debug("spill store {}: damaged cycle {}: {} ({} frame(s))", directory, cycle, what, frames);
        }
    }
}
