package io.sluice.spill;

import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.io.IOException;
import java.io.StreamCorruptedException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpillFailuresTest
{
    @Test
    void malformedContentIsCorruptionWhereverItIsInTheCauses()
    {
        assertTrue(SpillFailures.isCorruption(new StreamCorruptedException("bad header")));
        assertTrue(SpillFailures.isCorruption(new IllegalStateException(new EOFException())));
        assertTrue(SpillFailures.isCorruption(new RuntimeException(new BufferUnderflowException())));
        assertTrue(SpillFailures.isCorruption(new AssertionError("a bare assert in a reader")));
    }

    @Test
    void environmentIsNeverCorruption()
    {
        assertFalse(SpillFailures.isCorruption(new IOException("Too many open files")));
        assertFalse(SpillFailures.isCorruption(new AssertionError("access", new IllegalAccessException())));
        assertFalse(SpillFailures.isCorruption(new IllegalStateException("something else")));
    }

    @Test
    void ioAndMemoryFailuresAreEnvironmental()
    {
        assertTrue(SpillFailures.isEnvironmental(new IOException("Too many open files")));
        assertTrue(SpillFailures.isEnvironmental(new RuntimeException(new OutOfMemoryError("Map failed"))));
        assertFalse(SpillFailures.isEnvironmental(new EOFException()), "a file that ends early is its content");
        assertFalse(SpillFailures.isEnvironmental(new StreamCorruptedException()));
        assertFalse(SpillFailures.isEnvironmental(new IllegalStateException("content")));
    }

    @Test
    void propagateKeepsUncheckedWrapsCheckedAndThrowsErrors()
    {
        final IllegalStateException unchecked = new IllegalStateException();
        assertSame(unchecked, SpillFailures.propagate(unchecked));
        final IOException io = new IOException();
        assertSame(io, assertInstanceOf(UncheckedIOException.class, SpillFailures.propagate(io)).getCause());
        final Exception checked = new Exception();
        assertSame(checked, assertInstanceOf(IllegalStateException.class, SpillFailures.propagate(checked)).getCause());
        final AssertionError error = new AssertionError();
        assertSame(error, assertThrows(AssertionError.class, () -> SpillFailures.propagate(error)));
    }
}
