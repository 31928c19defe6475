package io.sluice.spill;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import net.openhft.chronicle.queue.RollCycles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DamageLogTest
{
    private static final int CYCLE = 5_666_000;

    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final CycleFiles cycleFiles = new CycleFiles(Path.of("spill"), RollCycles.FIVE_MINUTELY, 0);
    private final SpillGauges gauges = new SpillGauges();
    private final DamageLog damage = new DamageLog(Path.of("spill"), cycleFiles, gauges);

    @BeforeEach
    void attach()
    {
        log.start();
        ((Logger)LoggerFactory.getLogger(SpillStore.class)).addAppender(log);
    }

    @AfterEach
    void detach()
    {
        ((Logger)LoggerFactory.getLogger(SpillStore.class)).detachAppender(log);
    }

    @Test
    void countsEveryLossAndWarnsOncePerFile()
    {
        damage.lost(CYCLE, "skipped a damaged record", 1);
        damage.lost(CYCLE, "skipped another", 2);
        damage.lost(CYCLE + 1, "cannot be loaded", 0);

        assertEquals(3, gauges.damagedSkipped());
        final List<String> warnings = log.list.stream().filter(e -> e.getLevel() == Level.WARN)
            .map(ILoggingEvent::getFormattedMessage).collect(Collectors.toList());
        assertEquals(2, warnings.size(), warnings::toString);
        assertTrue(warnings.get(0).contains(cycleFiles.file(CYCLE).getFileName().toString()), warnings.get(0));
        assertTrue(warnings.get(0).contains("skipped a damaged record"), warnings.get(0));
        assertTrue(warnings.get(1).contains(cycleFiles.file(CYCLE + 1).getFileName().toString()), warnings.get(1));
    }
}
