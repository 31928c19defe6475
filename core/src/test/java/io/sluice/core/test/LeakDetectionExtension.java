package io.sluice.core.test;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fails a test class when Netty reports a leaked ByteBuf. Registered for every test through JUnit's extension
 * auto-detection (see junit-platform.properties). Netty reports a leak only when a leaked buffer has been
 * collected and a later allocation is tracked, so after the class this forces collections and allocates until
 * every report is out.
 */
public final class LeakDetectionExtension implements BeforeAllCallback, AfterAllCallback
{
    private static final List<String> LEAKS = new ArrayList<>();
    private static final AppenderBase<ILoggingEvent> APPENDER = new AppenderBase<>()
    {
        @Override
        protected void append(final ILoggingEvent event)
        {
            if (event.getFormattedMessage().contains("LEAK:"))
            {
                synchronized (LEAKS)
                {
                    LEAKS.add(event.getFormattedMessage());
                }
            }
        }
    };

    static
    {
        APPENDER.setName("sluice-leak-collector");
        APPENDER.start();
        final Logger logger = (Logger)LoggerFactory.getLogger(ResourceLeakDetector.class);
        logger.addAppender(APPENDER);
    }

    @Override
    public void beforeAll(final ExtensionContext context)
    {
        if (ResourceLeakDetector.getLevel() != ResourceLeakDetector.Level.PARANOID)
        {
            fail("tests must run with -Dio.netty.leakDetection.level=paranoid (was "
                + ResourceLeakDetector.getLevel() + ")");
        }
        synchronized (LEAKS)
        {
            LEAKS.clear();
        }
    }

    // Returns once a collection has provably run: a weakly held object is gone.
    private static void collectGarbage()
    {
        final java.lang.ref.WeakReference<Object> sentinel = new java.lang.ref.WeakReference<>(new Object());
        while (sentinel.get() != null)
        {
            System.gc();
        }
    }

    @Override
    public void afterAll(final ExtensionContext context)
    {
        for (int round = 0; round < 3; round++)
        {
            collectGarbage();
            for (int i = 0; i < 64; i++)
            {
                final ByteBuf pooled = PooledByteBufAllocator.DEFAULT.directBuffer(16);
                pooled.release();
                final ByteBuf unpooled = UnpooledByteBufAllocator.DEFAULT.heapBuffer(16);
                unpooled.release();
            }
        }
        synchronized (LEAKS)
        {
            if (!LEAKS.isEmpty())
            {
                final String first = LEAKS.get(0);
                final int n = LEAKS.size();
                LEAKS.clear();
                fail(n + " ByteBuf leak report(s) in " + context.getDisplayName() + "; first:\n" + first);
            }
        }
    }
}
