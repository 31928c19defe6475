package io.sluice.spill;

/**
 * The logical offset of the next frame to read (kept in {@link SpillGauges#readOffset()}) and how far it can be
 * trusted. Records carry their logical offsets, so a record that starts beyond a trusted read offset follows bytes
 * lost to damage; a record that fails its checksum but starts exactly at an {@link Trust#EXACT} offset is payload
 * damage in an intact record, whose length the chain vouches for. Owner thread only.
 */
final class ReadOffset
{
    /** How far the read offset can be trusted. */
    enum Trust
    {
        /** The end of the last record consumed, and nothing skipped since: the next record should start there. */
        EXACT,

        /** The end of the last record consumed, but records were skipped since: the next starts there or later. */
        LOWER_BOUND,

        /** Not known (the stored position was lost): losses cannot be measured until a record is consumed. */
        UNKNOWN
    }

    private final SpillGauges gauges;
    private Trust trust = Trust.UNKNOWN;

    /**
     * @param gauges where the offset is published.
     */
    ReadOffset(final SpillGauges gauges)
    {
        this.gauges = gauges;
    }

    /** @return the logical offset of the next frame to read. */
    long value()
    {
        return gauges.readOffset();
    }

    /** @return how far {@link #value()} can be trusted. */
    Trust trust()
    {
        return trust;
    }

    /** @return whether {@link #value()} is the end of the last record consumed ({@link Trust#UNKNOWN} is not). */
    boolean trusted()
    {
        return trust != Trust.UNKNOWN;
    }

    /**
     * Sets the offset outright (at open, or at the end of the store).
     *
     * @param offset the logical offset of the next frame to read.
     * @param trust  how far it can be trusted.
     */
    void reset(final long offset, final Trust trust)
    {
        gauges.readOffset(offset);
        this.trust = trust;
    }

    /**
     * Counts the bytes lost before a record about to be delivered, if it starts beyond a trusted offset, and moves the
     * offset to it, so that the loss is counted once even if the handler throws and the record comes again.
     *
     * @param recordOffset the record's logical offset.
     */
    void noteLoss(final long recordOffset)
    {
        if (trusted() && recordOffset > gauges.readOffset())
        {
            gauges.addDamagedBytes(recordOffset - gauges.readOffset());
            gauges.readOffset(recordOffset);
        }
    }

    /**
     * A record was consumed: the offset is its end, exactly.
     *
     * @param recordOffset the record's logical offset.
     * @param frameLength  its frame's length.
     * @return the new offset.
     */
    long consumed(final long recordOffset, final int frameLength)
    {
        final long end = recordOffset + frameLength;
        gauges.readOffset(end);
        trust = Trust.EXACT;
        return end;
    }

    /**
     * @param recordOffset a damaged record's stored logical offset, or {@link SpillPositions#UNSET}.
     * @return whether the record starts exactly where the chain of records consumed says the next one starts.
     */
    boolean continuesChain(final long recordOffset)
    {
        return recordOffset != SpillPositions.UNSET && trust == Trust.EXACT && recordOffset == gauges.readOffset();
    }

    /**
     * A record that {@link #continuesChain continues the chain} was skipped as damaged: its frame bytes are lost and
     * the offset moves past them.
     *
     * @param recordOffset the record's logical offset.
     * @param frameLength  its frame's length.
     */
    void skippedInChain(final long recordOffset, final int frameLength)
    {
        gauges.addDamagedBytes(frameLength);
        gauges.readOffset(recordOffset + frameLength);
    }

    /** Records were skipped without their lengths: the next record may start beyond the offset. */
    void chainBroken()
    {
        if (trust == Trust.EXACT)
        {
            trust = Trust.LOWER_BOUND;
        }
    }

    /**
     * The reader found no more records: if the offset is trusted, what was appended beyond it is lost (the store ends
     * in damage). The offset becomes the append end, exactly.
     *
     * @param appendEnd the logical offset after the last append.
     */
    void drained(final long appendEnd)
    {
        if (trusted() && appendEnd > gauges.readOffset())
        {
            gauges.addDamagedBytes(appendEnd - gauges.readOffset());
        }
        reset(appendEnd, Trust.EXACT);
    }

    /** @return the lowest logical offset a record found by scanning may have: none when the offset is not trusted. */
    long scanFloor()
    {
        return trusted() ? gauges.readOffset() : Long.MIN_VALUE;
    }
}
