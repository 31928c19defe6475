/**
 * The relay's dead-letter store: messages its lanes dropped, handed off from any thread ({@link
 * io.sluice.spill.deadletter.DeadLetterStore#offer}), kept on disk in a {@link io.sluice.spill.SpillStore} within a
 * quota of their own, and read back without consuming them ({@link io.sluice.spill.deadletter.DeadLetterReader}). See
 * docs/dead-letter.md.
 */
package io.sluice.spill.deadletter;
