package io.sluice.tools;

/**
 * What an identified {@code produce} run adds to its summary: who it published as, where its messages started, and
 * how many it sent again after reconnecting.
 *
 * @param producerId the producer id.
 * @param epoch the epoch.
 * @param firstSequence the first connection's WELCOME sequence: the first message index of the run.
 * @param resent messages sent again after a reconnect, included in the summary's sent.
 * @param reconnects connections opened after the first.
 */
record ProducerRun(long producerId, int epoch, long firstSequence, long resent, long reconnects)
{
}
