package io.sluice.client;

import org.agrona.DirectBuffer;

/**
 * What a {@link Publication} and those that resume it share: the one sending now (the ring's and the log's event
 * loop), which async sends commit through and which the log tells when a window comes back; and, under its lock, the
 * resumes' epoch and result.
 */
final class PublicationLine implements AsyncSends.Ring, Runnable
{
    private volatile Publication sending;
    // Guarded by this.
    private Publication latest;
    private final ResumeEpoch resumeEpoch;

    PublicationLine(final Publication publication, final int epoch)
    {
        this.sending = publication;
        this.latest = publication;
        this.resumeEpoch = new ResumeEpoch(epoch);
    }

    /**
     * @return the publication whose connection the ring and the log go to now.
     */
    Publication sending()
    {
        return sending;
    }

    /**
     * @param publication goes on sending from the ring and the log: welcomed, or back after a failed resume.
     */
    void sending(final Publication publication)
    {
        sending = publication;
    }

    /**
     * @return the publication the last resume returned. Holds this.
     */
    Publication latest()
    {
        return latest;
    }

    /**
     * @param resumed what the last resume returned. Holds this.
     */
    void latest(final Publication resumed)
    {
        latest = resumed;
    }

    /**
     * @return the epoch a resume asks for: one above the last asked for. Holds this.
     */
    int nextResumeEpoch()
    {
        return resumeEpoch.next();
    }

    @Override
    public boolean connected()
    {
        return sending.connected;
    }

    @Override
    public boolean writable()
    {
        return sending.channel.isWritable();
    }

    @Override
    public long commit(final DirectBuffer buffer, final int offset, final int length, final long timestampNanos)
    {
        return sending.claimAndCommit(AsyncSends.MSG_ASYNC, buffer, offset, length, 0, timestampNanos);
    }

    @Override
    public void onEventLoop(final Runnable task)
    {
        sending.eventLoop.execute(task);
    }

    // A window of the log came back.
    @Override
    public void run()
    {
        sending.onLogProgress();
    }
}
