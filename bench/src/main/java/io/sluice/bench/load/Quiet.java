package io.sluice.bench.load;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the relay's and the client's INFO logs (connections joining and leaving) out of the demo's and bench's output.
 */
public final class Quiet
{
    private Quiet()
    {
    }

    /** Raises the io.sluice loggers to WARN for the rest of the process. */
    public static void sluiceLogs()
    {
        if (LoggerFactory.getLogger("io.sluice") instanceof Logger logger)
        {
            logger.setLevel(Level.WARN);
        }
    }
}
