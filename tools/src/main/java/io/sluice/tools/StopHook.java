package io.sluice.tools;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The shutdown hook that lets {@code produce} and {@code consume} report when interrupted: Ctrl-C stops the loop,
 * and the JVM waits for the summary and the JSON before it exits.
 */
final class StopHook
{
    private StopHook()
    {
    }

    /**
     * Ctrl-C: ask the loop to stop, then hold the JVM until the command has printed its summary and written its
     * JSON (up to 10 s), so an interrupted run still reports.
     */
    static Thread install(final String name, final Runnable stop, final CountDownLatch finished)
    {
        final Thread hook = new Thread(() ->
        {
            stop.run();
            try
            {
                finished.await(10, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }, "sluice-" + name + "-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        return hook;
    }

    static void remove(final Thread hook)
    {
        try
        {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        catch (final IllegalStateException shuttingDown)
        {
            // The hook is running: nothing to remove.
        }
    }
}
