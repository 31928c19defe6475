package io.sluice.client;

import io.sluice.core.util.EpochClock;
import org.agrona.DirectBuffer;
import org.agrona.collections.LongArrayList;
import org.agrona.collections.LongArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The sends of {@link Publication#sendAsync}, from the call to the future's completion: a bounded backlog for the
 * sends that found the connection back-pressured (a copy of each payload), the futures of the sends in the ring in
 * ring order, and, once the event loop stamped their sequences, the futures awaiting the relay's ACK. Futures complete
 * on the callback executor, in sequence order, never on the event loop. {@link Publication#offer} never comes here.
 */
final class AsyncSends
{
    /** The ring's message type of an async send, beside {@code FrameRing.MSG_FRAME}. */
    static final int MSG_ASYNC = 2;

    /** What the sends need of their publication. */
    interface Ring
    {
        /**
         * @return whether the connection is established.
         */
        boolean connected();

        /**
         * @return whether the connection takes more now.
         */
        boolean writable();

        /**
         * Copies one message into the ring as {@link #MSG_ASYNC}.
         *
         * @return a non-negative position when committed, else a negative status.
         */
        long commit(DirectBuffer buffer, int offset, int length, long timestampNanos);

        /**
         * Runs {@code task} on the connection's event loop.
         */
        void onEventLoop(Runnable task);
    }

    private final Ring ring;
    private final int maxPending;
    private final Executor callbacks;
    private final UnsafeBuffer backlogView = new UnsafeBuffer(new byte[0]);

    // Event loop only.
    private final LongArrayQueue sequences = new LongArrayQueue(Long.MIN_VALUE);
    private final ArrayDeque<CompletableFuture<Long>> awaitingAck = new ArrayDeque<>();

    // Guarded by lock: futures of async messages in the ring, in ring order, and the backlog of async sends that
    // did not fit yet.
    private final Object lock = new Object();
    private final ArrayDeque<CompletableFuture<Long>> inRing = new ArrayDeque<>();
    private final ArrayDeque<PendingSend> backlog = new ArrayDeque<>();
    private int pending;

    /**
     * @param ring the publication's ring and event loop.
     * @param maxPending sends pending at most (in the backlog, the ring or awaiting their ACK).
     * @param callbacks where futures complete.
     */
    AsyncSends(final Ring ring, final int maxPending, final Executor callbacks)
    {
        this.ring = ring;
        this.maxPending = maxPending;
        this.callbacks = callbacks;
    }

    /**
     * Sends a message the publication has checked (connected, not too large); any thread. Fails {@code future} at
     * once with a {@link BackPressuredException} when {@code maxPending} sends are already pending.
     */
    void send(final DirectBuffer buffer, final int offset, final int length, final CompletableFuture<Long> future)
    {
        synchronized (lock)
        {
            if (pending >= maxPending)
            {
                future.completeExceptionally(new BackPressuredException(pending + " async sends already pending"));
                return;
            }
            pending++;
            if (backlog.isEmpty() && offer(buffer, offset, length, future, EpochClock.nanos()))
            {
                return;
            }
            final byte[] copy = new byte[length];
            buffer.getBytes(offset, copy);
            backlog.add(new PendingSend(copy, future, EpochClock.nanos()));
        }
        ring.onEventLoop(this::retryBacklog);
    }

    // Holds lock. The future joins the queue before the commit, so the event loop finds it.
    private boolean offer(final DirectBuffer buffer, final int offset, final int length,
        final CompletableFuture<Long> future, final long ts)
    {
        if (!ring.writable())
        {
            return false;
        }
        inRing.add(future);
        if (ring.commit(buffer, offset, length, ts) < 0)
        {
            inRing.pollLast();
            return false;
        }
        return true;
    }

    /**
     * Moves what the backlog holds into the ring, in order, while it fits and the connection lasts.
     */
    void retryBacklog()
    {
        synchronized (lock)
        {
            final UnsafeBuffer view = backlogView;
            PendingSend next;
            while ((next = backlog.peek()) != null && ring.connected())
            {
                view.wrap(next.payload);
                if (!offer(view, 0, next.payload.length, next.future, next.timestampNanos))
                {
                    return;
                }
                backlog.poll();
            }
        }
    }

    /**
     * Event loop: the next async message in ring order was stamped with {@code sequence} on its way to the socket.
     */
    void onStamped(final long sequence)
    {
        final CompletableFuture<Long> future;
        synchronized (lock)
        {
            future = inRing.poll();
        }
        sequences.addLong(sequence);
        awaitingAck.add(future);
    }

    /**
     * Event loop: the relay acknowledged every sequence up to {@code sequence}.
     */
    void onAck(final long sequence)
    {
        if (sequences.isEmpty() || sequences.peekLong() > sequence)
        {
            return;
        }
        // The sends stay pending until their futures are completed on the callback executor: a callback that blocks
        // then fills the bound and sendAsync refuses, instead of completions piling up in the executor's queue.
        final Completions acked = new Completions(null, true);
        while (!sequences.isEmpty() && sequences.peekLong() <= sequence)
        {
            acked.add(awaitingAck.poll(), sequences.pollLong());
        }
        acked.hand(callbacks);
    }

    /**
     * Event loop, on a resumed connection's WELCOME: the relay has every frame stamped below {@code firstResent},
     * whose sends complete as acknowledged, and the log sends the rest again numbered from {@code nextSequence}, so
     * their sends await the ACK of their new sequence.
     *
     * @param firstResent the sequence, as stamped, of the first frame sent again.
     * @param nextSequence the sequence it carries now.
     */
    void resumeAt(final long firstResent, final long nextSequence)
    {
        onAck(firstResent - 1);
        final long shift = nextSequence - firstResent;
        if (shift != 0)
        {
            for (int i = sequences.size(); i > 0; i--)
            {
                sequences.addLong(sequences.pollLong() + shift);
            }
        }
    }

    /**
     * Event loop: the connection ended; every pending send fails with {@code reason}.
     */
    void failAll(final String reason)
    {
        final Completions failed = new Completions(new IllegalStateException(reason), false);
        CompletableFuture<Long> future;
        while ((future = awaitingAck.poll()) != null)
        {
            failed.add(future, 0);
        }
        sequences.clear();
        synchronized (lock)
        {
            while ((future = inRing.poll()) != null)
            {
                failed.add(future, 0);
            }
            PendingSend next;
            while ((next = backlog.poll()) != null)
            {
                failed.add(next.future, 0);
            }
            pending = 0;
        }
        if (!failed.futures.isEmpty())
        {
            failed.hand(callbacks);
        }
    }

    private record PendingSend(byte[] payload, CompletableFuture<Long> future, long timestampNanos)
    {
    }

    /**
     * The futures one ACK (or the end of the connection) settles, completed in order by one task on the callback
     * executor: the event loop never runs what the application chained to them.
     */
    private final class Completions implements Runnable
    {
        private final ArrayList<CompletableFuture<Long>> futures = new ArrayList<>();
        private final LongArrayList sequences = new LongArrayList();
        private final Throwable failure;
        private final boolean releasesPending;

        /**
         * @param failure what the futures fail with, or null to complete them with their sequences.
         * @param releasesPending whether completing them ends their sends' pending count (a failure resets it at once).
         */
        Completions(final Throwable failure, final boolean releasesPending)
        {
            this.failure = failure;
            this.releasesPending = releasesPending;
        }

        void add(final CompletableFuture<Long> future, final long sequence)
        {
            futures.add(future);
            sequences.addLong(sequence);
        }

        void hand(final Executor executor)
        {
            try
            {
                executor.execute(this);
            }
            catch (final RejectedExecutionException ex)
            {
                // An executor that was shut down must not leave futures pending for ever: settle them here.
                run();
            }
        }

        @Override
        public void run()
        {
            for (int i = 0; i < futures.size(); i++)
            {
                if (failure == null)
                {
                    futures.get(i).complete(sequences.getLong(i));
                }
                else
                {
                    futures.get(i).completeExceptionally(failure);
                }
            }
            if (releasesPending)
            {
                synchronized (lock)
                {
                    pending = Math.max(0, pending - futures.size());
                }
            }
        }
    }
}
