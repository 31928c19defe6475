package io.sluice.client;

/**
 * What an identified {@link ExclusivePublication} and those that resume it share: the one whose connection the log
 * sends on now, which the log tells when a window comes back (its drain may be waiting for one), and the epochs the
 * resumes ask for.
 */
final class ExclusivePublicationLine implements Runnable
{
    private final ResumeEpoch resumeEpoch;
    private volatile ExclusivePublication sending;

    ExclusivePublicationLine(final ExclusivePublication publication, final int epoch)
    {
        this.sending = publication;
        this.resumeEpoch = new ResumeEpoch(epoch);
    }

    /**
     * @param publication sends from the log now: the relay welcomed it.
     */
    void sending(final ExclusivePublication publication)
    {
        sending = publication;
    }

    /**
     * @return the epoch a resume asks for. The publishing thread.
     */
    int nextResumeEpoch()
    {
        return resumeEpoch.next();
    }

    // A window of the log came back.
    @Override
    public void run()
    {
        sending.onWindowReleased();
    }
}
