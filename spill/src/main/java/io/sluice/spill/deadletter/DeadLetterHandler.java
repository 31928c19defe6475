package io.sluice.spill.deadletter;

/**
 * Receives dead-letter records from {@link DeadLetterReader#read(DeadLetterHandler, int)}, oldest first.
 */
@FunctionalInterface
public interface DeadLetterHandler
{
    /**
     * One record. The view and the bytes behind it (the memory-mapped file) are valid only during this call; copy
     * what must outlive it.
     *
     * @param record the record, already checked (checksum, version, frame length).
     */
    void onDeadLetter(DeadLetterRecord record);
}
