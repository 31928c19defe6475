package io.sluice.tools;

/**
 * Where an identified {@code produce} run stands across its connections. The message index and the frame sequence
 * are one number, so each WELCOME says which index to send next: from there up to what the run had already sent the
 * messages are sent again (regenerated, payloads being a function of the index) and counted as resent.
 * <p>
 * For one run, {@code sent - resent == sentUpTo() - first()}: every index in {@code [first, sentUpTo)} was sent
 * once, and every send of an index below {@code sentUpTo} at the time is a resend.
 */
final class ResendTally
{
    /** What a WELCOME's sequence means to the run. */
    enum Resume
    {
        /** The first connection: the run starts here. */
        FIRST,
        /** The relay had everything up to what the run sent: nothing to resend. */
        CONTINUES,
        /** The relay lacks some of what the run sent and had not all been acknowledged: those are sent again. */
        RESENDS,
        /**
         * The relay continues below what it had acknowledged to this run: it forgot the producer id (a restart, or
         * the stream removed), and what the run resends between there and its acknowledged point may arrive twice.
         */
        FORGOTTEN,
        /** The relay continues above what this run sent: another process sent under the same producer id. */
        AHEAD
    }

    private long first = -1;
    private long next;
    private long sentUpTo;
    private long ackedUpTo;
    private long resent;
    private long reconnects;

    /**
     * Takes a connection's WELCOME sequence; the next message to send is then {@link #next()}.
     *
     * @param welcomeSequence the publication's first sequence.
     * @param ackedSequence the highest sequence the previous connection's relay acknowledged, or -1.
     * @return what the sequence means.
     */
    Resume resumeAt(final long welcomeSequence, final long ackedSequence)
    {
        next = welcomeSequence;
        if (first < 0)
        {
            first = welcomeSequence;
            sentUpTo = welcomeSequence;
            ackedUpTo = welcomeSequence;
            return Resume.FIRST;
        }
        reconnects++;
        ackedUpTo = Math.max(ackedUpTo, ackedSequence + 1);
        if (welcomeSequence < ackedUpTo)
        {
            return Resume.FORGOTTEN;
        }
        if (welcomeSequence > sentUpTo)
        {
            sentUpTo = welcomeSequence;
            return Resume.AHEAD;
        }
        return welcomeSequence == sentUpTo ? Resume.CONTINUES : Resume.RESENDS;
    }

    /**
     * Message {@link #next()} was sent; the next one follows.
     */
    void sent()
    {
        if (next < sentUpTo)
        {
            resent++;
        }
        else
        {
            sentUpTo = next + 1;
        }
        next++;
    }

    /**
     * @return the index, and sequence, of the next message to send.
     */
    long next()
    {
        return next;
    }

    /**
     * @return the first connection's first sequence: the run's first message index.
     */
    long first()
    {
        return first;
    }

    /**
     * @return one past the highest index sent.
     */
    long sentUpTo()
    {
        return sentUpTo;
    }

    /**
     * @return one past the highest sequence a relay acknowledged to this run, as far as the last WELCOME told.
     */
    long ackedUpTo()
    {
        return ackedUpTo;
    }

    /**
     * @return sends of an index already sent before.
     */
    long resent()
    {
        return resent;
    }

    /**
     * @return connections opened after the first.
     */
    long reconnects()
    {
        return reconnects;
    }

    /**
     * @return the line that says what a reconnect's {@link #resumeAt} meant, and warns when it may cost duplicates.
     */
    String describe(final Resume resume, final long producerId)
    {
        return switch (resume)
        {
            case FIRST -> "publishing as producer " + producerId + " from sequence " + next;
            case CONTINUES -> "reconnected; continuing at sequence " + next;
            case RESENDS -> "reconnected; sending again sequences " + next + ".." + (sentUpTo - 1) +
                ", which the relay had not taken";
            case FORGOTTEN -> "warning: the relay continues producer " + producerId + " at sequence " + next +
                " but had acknowledged up to " + (ackedUpTo - 1) + ": it forgot the producer id (restarted, or the "
                + "stream was removed), so sequences " + next + ".." + (ackedUpTo - 1) + " may be delivered twice";
            case AHEAD -> "warning: the relay continues producer " + producerId + " at sequence " + next +
                ", past what this run sent: another process published as producer " + producerId;
        };
    }
}
