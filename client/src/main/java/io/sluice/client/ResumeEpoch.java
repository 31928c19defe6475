package io.sluice.client;

/**
 * The epochs an identified publication's resumes ask for: each one above the last asked for, so that the relay takes
 * the producer id over at once from a connection it has not yet seen close. Not thread safe: its publication's
 * resumes take turns.
 */
final class ResumeEpoch
{
    private int last;

    /**
     * @param first the epoch the publication was opened with.
     */
    ResumeEpoch(final int first)
    {
        this.last = first;
    }

    /**
     * @return the epoch the next resume asks for.
     * @throws IllegalStateException when the last was {@link Integer#MAX_VALUE}.
     */
    int next()
    {
        if (last == Integer.MAX_VALUE)
        {
            throw new IllegalStateException("epoch " + last + " is the last: the publication cannot resume");
        }
        return ++last;
    }
}
