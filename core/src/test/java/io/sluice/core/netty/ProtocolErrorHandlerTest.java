package io.sluice.core.netty;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.core.protocol.ErrorCode;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.util.RateLimitedLogger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A fault inside the receiver on many connections at once (direct memory exhausted by a flood, a bug on a common
 * path): every connection gets its ERROR INTERNAL and is closed and counted, but the log gets a bounded number of
 * lines, with at most one stack trace per kind of fault and none for out of memory.
 */
class ProtocolErrorHandlerTest
{
    private static final int CONNECTIONS = 200;

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger logger = (Logger)LoggerFactory.getLogger(ProtocolErrorHandler.class);
    private final AtomicLong counted = new AtomicLong();
    private final ProtocolErrorHandler handler = new ProtocolErrorHandler("relay",
        new RateLimitedLogger(LoggerFactory.getLogger(ProtocolErrorHandlerTest.class), 10), (code, n) ->
        {
            assertEquals(ErrorCode.INTERNAL, code);
            counted.addAndGet(n);
        });

    @BeforeEach
    void capture()
    {
        appender.start();
        logger.addAppender(appender);
    }

    @AfterEach
    void release()
    {
        logger.detachAppender(appender);
    }

    @Test
    void outOfMemoryOnEveryConnectionIsLoggedBoundedAndWithoutStackTraces()
    {
        failEveryConnection(() -> new OutOfMemoryError("Cannot reserve 1048576 bytes of direct buffer memory"));
        final List<ILoggingEvent> lines = errorLines();
        assertTrue(lines.size() < CONNECTIONS / 2, lines.size() + " ERROR lines for " + CONNECTIONS + " faults");
        for (final ILoggingEvent line : lines)
        {
            assertNull(line.getThrowableProxy(), "a stack trace: " + line.getFormattedMessage());
        }
        assertTrue(lines.get(0).getFormattedMessage().contains("Cannot reserve"), lines.get(0).getFormattedMessage());
    }

    @Test
    void aFaultOnEveryConnectionGetsOneStackTrace()
    {
        failEveryConnection(() -> new IllegalStateException("a bug on a common path"));
        final List<ILoggingEvent> lines = errorLines();
        assertTrue(lines.size() < CONNECTIONS / 2, lines.size() + " ERROR lines for " + CONNECTIONS + " faults");
        assertEquals(1, lines.stream().filter(line -> line.getThrowableProxy() != null).count(), "stack traces");
    }

    private void failEveryConnection(final Supplier<Throwable> fault)
    {
        for (int i = 0; i < CONNECTIONS; i++)
        {
            final EmbeddedChannel channel = new EmbeddedChannel(handler);
            channel.pipeline().fireExceptionCaught(fault.get());
            final ByteBuf error = channel.readOutbound();
            try
            {
                assertEquals(FrameType.ERROR, Frames.type(error, error.readerIndex()));
                assertEquals(ErrorCode.INTERNAL, Frames.errorCode(error, error.readerIndex()));
            }
            finally
            {
                error.release();
            }
            assertFalse(channel.isOpen(), "connection " + i + " still open");
            channel.finishAndReleaseAll();
        }
        assertEquals(CONNECTIONS, counted.get(), "faults counted");
    }

    private List<ILoggingEvent> errorLines()
    {
        synchronized (appender)
        {
            final List<ILoggingEvent> lines = new ArrayList<>();
            for (final ILoggingEvent event : appender.list)
            {
                if (event.getLevel() == Level.ERROR)
                {
                    lines.add(event);
                }
            }
            return lines;
        }
    }
}
