package io.sluice.server.stream;

import io.sluice.server.config.StreamConfig;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A stream's throttled time is a counter: whatever a reader on another thread sees, it never goes back, also while
 * pauses begin and end.
 */
class StreamThrottledTimeTest
{
    @Test
    void throttledTimeNeverGoesBackWhilePausesComeAndGo() throws Exception
    {
        final Stream stream = new Stream("throttled", 1, StreamConfig.DEFAULT);
        final AtomicBoolean done = new AtomicBoolean();
        final AtomicReference<String> backwards = new AtomicReference<>();
        final Thread reader = new Thread(() ->
        {
            long last = 0;
            while (!done.get() && backwards.get() == null)
            {
                final long now = stream.snapshot().throttledNanos();
                if (now < last)
                {
                    backwards.set("went back from " + last + " to " + now + " ns");
                }
                last = now;
            }
        }, "reader");
        reader.start();
        try
        {
            for (int i = 0; i < 500_000 && backwards.get() == null; i++)
            {
                final long since = System.nanoTime();
                stream.onPaused(since);
                stream.onResumed(since);
            }
        }
        finally
        {
            done.set(true);
            reader.join();
        }
        assertNull(backwards.get());
    }
}
