package io.sluice.client;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link AsyncSends} driven directly: a ring that records what is committed, an event loop and a callback executor
 * that are lists of tasks run by hand, sequences stamped and ACKs given by the test.
 */
final class AsyncSendsTest
{
    private final FakeRing ring = new FakeRing();
    private final List<Runnable> callbacks = new ArrayList<>();

    @Test
    void aSendCompletesWithItsSequenceOnTheCallbackExecutorOnceAcknowledged() throws Exception
    {
        final AsyncSends sends = new AsyncSends(ring, 8, callbacks::add);
        final CompletableFuture<Long> first = send(sends, "one");
        final CompletableFuture<Long> second = send(sends, "two");
        assertEquals(List.of("one", "two"), ring.committed);

        sends.onStamped(40);
        sends.onStamped(41);
        sends.onAck(39);
        assertTrue(callbacks.isEmpty());
        sends.onAck(40);
        assertFalse(first.isDone());
        runCallbacks();

        assertEquals(40L, first.get());
        assertFalse(second.isDone());
        sends.onAck(41);
        runCallbacks();
        assertEquals(41L, second.get());
    }

    @Test
    void aBackPressuredSendWaitsInTheBacklogAndKeepsItsOrder()
    {
        final AsyncSends sends = new AsyncSends(ring, 8, callbacks::add);
        ring.writable = false;
        send(sends, "one");
        ring.writable = true;
        send(sends, "two");

        assertEquals(List.of(), ring.committed);
        assertEquals(2, ring.eventLoop.size());
        ring.runEventLoop();
        assertEquals(List.of("one", "two"), ring.committed);
    }

    @Test
    void theBacklogWaitsWhileTheRingIsFullAndStopsWhenTheConnectionEnds()
    {
        final AsyncSends sends = new AsyncSends(ring, 8, callbacks::add);
        ring.full = true;
        send(sends, "one");
        send(sends, "two");
        sends.retryBacklog();
        assertEquals(List.of(), ring.committed);

        ring.full = false;
        ring.connected = false;
        sends.retryBacklog();
        assertEquals(List.of(), ring.committed);

        ring.connected = true;
        sends.retryBacklog();
        assertEquals(List.of("one", "two"), ring.committed);
    }

    @Test
    void sendsPastTheBoundFailAtOnceUntilCompletionsReleaseThem()
    {
        final AsyncSends sends = new AsyncSends(ring, 1, callbacks::add);
        final CompletableFuture<Long> first = send(sends, "one");
        final CompletableFuture<Long> refused = send(sends, "two");

        final ExecutionException ex = assertThrows(ExecutionException.class, refused::get);
        assertInstanceOf(BackPressuredException.class, ex.getCause());
        assertEquals("1 async sends already pending", ex.getCause().getMessage());

        sends.onStamped(0);
        sends.onAck(0);
        assertTrue(send(sends, "three").isCompletedExceptionally(), "pending until the callback ran");
        runCallbacks();
        assertTrue(first.isDone());
        assertFalse(send(sends, "four").isDone());
        assertEquals(List.of("one", "four"), ring.committed);
    }

    @Test
    void theEndOfTheConnectionFailsEverySendWithTheReason()
    {
        final AsyncSends sends = new AsyncSends(ring, 8, callbacks::add);
        final CompletableFuture<Long> awaitingAck = send(sends, "one");
        sends.onStamped(0);
        final CompletableFuture<Long> inRing = send(sends, "two");
        ring.writable = false;
        final CompletableFuture<Long> inBacklog = send(sends, "three");

        sends.failAll("connection lost");
        runCallbacks();

        for (final CompletableFuture<Long> future : List.of(awaitingAck, inRing, inBacklog))
        {
            final ExecutionException ex = assertThrows(ExecutionException.class, future::get);
            assertInstanceOf(IllegalStateException.class, ex.getCause());
            assertEquals("connection lost", ex.getCause().getMessage());
        }
        ring.writable = true;
        assertFalse(send(sends, "four").isDone(), "failing released every pending send");
    }

    @Test
    void anExecutorThatRefusesLeavesNoFuturePending() throws Exception
    {
        final AsyncSends sends = new AsyncSends(ring, 8, task ->
        {
            throw new RejectedExecutionException("shut down");
        });
        final CompletableFuture<Long> future = send(sends, "one");
        sends.onStamped(7);
        sends.onAck(7);

        assertEquals(7L, future.get());
    }

    private static CompletableFuture<Long> send(final AsyncSends sends, final String text)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        final CompletableFuture<Long> future = new CompletableFuture<>();
        sends.send(new UnsafeBuffer(bytes), 0, bytes.length, future);
        return future;
    }

    private void runCallbacks()
    {
        final List<Runnable> tasks = new ArrayList<>(callbacks);
        callbacks.clear();
        tasks.forEach(Runnable::run);
    }

    private static final class FakeRing implements AsyncSends.Ring
    {
        final List<String> committed = new ArrayList<>();
        final List<Runnable> eventLoop = new ArrayList<>();
        boolean connected = true;
        boolean writable = true;
        boolean full;

        @Override
        public boolean connected()
        {
            return connected;
        }

        @Override
        public boolean writable()
        {
            return writable;
        }

        @Override
        public long commit(final DirectBuffer buffer, final int offset, final int length, final long timestampNanos)
        {
            if (full)
            {
                return Publication.BACK_PRESSURED;
            }
            committed.add(buffer.getStringWithoutLengthAscii(offset, length));
            return committed.size();
        }

        @Override
        public void onEventLoop(final Runnable task)
        {
            eventLoop.add(task);
        }

        void runEventLoop()
        {
            final List<Runnable> tasks = new ArrayList<>(eventLoop);
            eventLoop.clear();
            tasks.forEach(Runnable::run);
        }
    }
}
