package io.sluice.core.netty;

import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SingleThreadIoEventLoop;
import io.netty.util.concurrent.RejectedExecutionHandlers;

import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;

/**
 * Event loops that go back to their connections' I/O after at most a millisecond of tasks (Netty checks every 64
 * tasks). Netty's default is a second: a loop whose tasks keep coming, such as a lane writing a disk backlog to a
 * subscriber that reads as fast as the disk restores it, answered nothing else on the loop (a HELLO, a publisher's
 * data, a heartbeat) for seconds at a time.
 */
public final class ResponsiveEventLoopGroup extends MultiThreadIoEventLoopGroup
{
    /** The longest a loop runs tasks before it polls its connections again, in milliseconds (Netty's least). */
    public static final long TASK_QUANTUM_MS = 1;

    /**
     * @param threads          event loop threads.
     * @param threadFactory    makes each loop's thread.
     * @param ioHandlerFactory the transport's I/O handlers.
     */
    public ResponsiveEventLoopGroup(final int threads, final ThreadFactory threadFactory,
        final IoHandlerFactory ioHandlerFactory)
    {
        super(threads, threadFactory, ioHandlerFactory);
    }

    @Override
    protected IoEventLoop newChild(final Executor executor, final IoHandlerFactory ioHandlerFactory,
        final Object... args)
    {
        return new SingleThreadIoEventLoop(this, executor, ioHandlerFactory, Integer.MAX_VALUE,
            RejectedExecutionHandlers.reject(), TASK_QUANTUM_MS);
    }
}
