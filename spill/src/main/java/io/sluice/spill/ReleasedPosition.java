package io.sluice.spill;

import net.openhft.chronicle.core.values.LongValue;
import net.openhft.chronicle.queue.impl.TableStore;

/**
 * The kept read position of a store in acknowledged mode and the owner's tag with it, stored so that no crash of the
 * process can tear them apart: a reopened store starts reading exactly at the record the tag belongs to. Named 64-bit
 * values in Chronicle's memory-mapped {@code metadata.cq4t}, as {@link SpillPositions}; every write is an ordered
 * store into the mapping (it survives a killed process, not a power loss).
 *
 * <pre>
 *  key                                  value
 *  -----------------------------------  --------------------------------------------------------------------
 *  sluice.spill.released.generation     G: releases ever made ({@link SpillPositions#UNSET}: none since the
 *                                       store last ran in the default mode); slot G &amp; 1 is the current one
 *  sluice.spill.released.0.index        slot 0: Chronicle index of the next record to read (read index)
 *  sluice.spill.released.0.offset       slot 0: logical offset just past the last record released
 *  sluice.spill.released.0.tag          slot 0: the owner's tag
 *  sluice.spill.released.1.index        slot 1: as slot 0
 *  sluice.spill.released.1.offset
 *  sluice.spill.released.1.tag
 *  sluice.spill.readIndex, .readOffset  ({@link SpillPositions}) a copy of the current slot's index and offset,
 *                                       read by everything else at open and by file deletion
 * </pre>
 *
 * Release G + 1 writes, in this order:
 * <ol>
 *   <li>the slot that is not current, (G + 1) &amp; 1: index, offset, tag;</li>
 *   <li>{@code generation} = G + 1: one aligned 8-byte store, so the new slot becomes current at once;</li>
 *   <li>the copy in {@code readIndex} and {@code readOffset}.</li>
 * </ol>
 * A kill before step 2 leaves generation G and its slot untouched: the store reopens at release G with G's tag. A kill
 * after it leaves release G + 1 whole; {@link #restore()} at open copies the current slot over a copy that lagged.
 * (Writing a tag and its position as separate values in any order tears: a kill between them pairs a new tag with an
 * old position.) The default mode moves {@code readIndex} itself, which no slot follows, so opening a store in it
 * {@link #forget() forgets} the slots. Owner thread only.
 */
final class ReleasedPosition implements AutoCloseable
{
    static final String GENERATION_KEY = "sluice.spill.released.generation";
    static final String KEY_PREFIX = "sluice.spill.released.";

    private static final long UNSET = SpillPositions.UNSET;

    private final SpillPositions positions;
    private final LongValue generation;
    private final LongValue[] indexes;
    private final LongValue[] offsets;
    private final LongValue[] tags;

    /**
     * @param metaStore the queue's table store; the values are created there, {@link SpillPositions#UNSET}, when
     *                  missing.
     * @param positions the store's positions, where the current slot is copied.
     */
    ReleasedPosition(final TableStore<?> metaStore, final SpillPositions positions)
    {
        this.positions = positions;
        this.generation = metaStore.acquireValueFor(GENERATION_KEY, UNSET);
        this.indexes = new LongValue[2];
        this.offsets = new LongValue[2];
        this.tags = new LongValue[2];
        for (int slot = 0; slot < 2; slot++)
        {
            indexes[slot] = metaStore.acquireValueFor(KEY_PREFIX + slot + ".index", UNSET);
            offsets[slot] = metaStore.acquireValueFor(KEY_PREFIX + slot + ".offset", UNSET);
            tags[slot] = metaStore.acquireValueFor(KEY_PREFIX + slot + ".tag", UNSET);
        }
    }

    /**
     * At open in acknowledged mode: makes the stored read index and offset those of the last release (a kill may
     * have stopped a release before it copied them).
     */
    void restore()
    {
        final long g = generation.getVolatileValue();
        if (g != UNSET)
        {
            final int slot = (int)(g & 1);
            final long index = indexes[slot].getVolatileValue();
            final long offset = offsets[slot].getVolatileValue();
            if (positions.readIndex() != index)
            {
                positions.readIndex(index);
            }
            if (positions.readOffset() != offset)
            {
                positions.readOffset(offset);
            }
        }
    }

    /** At open in the default mode: no release is kept any longer (the read position will move without one). */
    void forget()
    {
        if (generation.getVolatileValue() != UNSET)
        {
            generation.setOrderedValue(UNSET);
        }
    }

    /**
     * Keeps a release: the position after the last record released and the owner's tag, in the order the class
     * comment gives.
     *
     * @param index  the read index after the last record released.
     * @param offset the logical offset past it.
     * @param tag    the owner's tag.
     */
    void release(final long index, final long offset, final long tag)
    {
        final long g = generation.getVolatileValue();
        final long next = g == UNSET ? 1 : g + 1;
        final int slot = (int)(next & 1);
        indexes[slot].setOrderedValue(index);
        offsets[slot].setOrderedValue(offset);
        tags[slot].setOrderedValue(tag);
        generation.setOrderedValue(next);
        positions.readIndex(index);
        positions.readOffset(offset);
    }

    /** @return the tag of the last release, or {@link SpillStore#NO_TAG} if none is kept. */
    long tag()
    {
        final long g = generation.getVolatileValue();
        return g == UNSET ? SpillStore.NO_TAG : tags[(int)(g & 1)].getVolatileValue();
    }

    /** Releases the mapped values; the queue closes the table store itself. */
    @Override
    public void close()
    {
        SpillPositions.closeQuietly(generation);
        for (int slot = 0; slot < 2; slot++)
        {
            SpillPositions.closeQuietly(indexes[slot]);
            SpillPositions.closeQuietly(offsets[slot]);
            SpillPositions.closeQuietly(tags[slot]);
        }
    }
}
