/**
 * The disk tier of a relay subscriber lane: {@link io.sluice.spill.SpillStore}, a bounded, ordered, durable FIFO of
 * frames on Chronicle Queue. See docs/spill.md for the on-disk layout and the guarantees.
 */
package io.sluice.spill;
