package io.sluice.server;

import io.sluice.client.MessageHandler;
import io.sluice.core.protocol.Header;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;

/**
 * What a subscriber of a lossy stream can check, per source, from protocol.md §3.5 alone: DATA sequences only go up;
 * every sequence skipped was announced by a GAP that arrived first; a GAP announces only what lies ahead (its range
 * is above every DATA already received, and no DATA inside a range arrives after it); a GAP's header sequence is its
 * from-sequence. Counts messages, gaps and the messages the gaps report, by reason.
 * <p>
 * Payloads carry their sequence in their first eight bytes; a keyed message may carry it in the eight after its key.
 */
public final class GapCheckingHandler implements MessageHandler
{
    /** Per source: {next expected sequence, highest sequence a GAP covered so far}. */
    private final Int2ObjectHashMap<long[]> sources = new Int2ObjectHashMap<>();
    final long[] gapMessagesByReason = new long[8];
    long received;
    long gaps;
    long gapMessages;
    long backwards;
    long unannouncedSkips;
    long badPayloads;
    long gapsBehind;
    long deliveredInsideAGap;
    long gapHeaderMismatches;
    String firstProblem = "";

    @Override
    public void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        received++;
        final long[] source = source(header.sourceId());
        final long sequence = header.sequence();
        if (sequence < source[0])
        {
            backwards++;
            problem("source " + header.sourceId() + " went back to " + sequence + " after " + (source[0] - 1));
        }
        else if (sequence <= source[1])
        {
            deliveredInsideAGap++;
            problem("source " + header.sourceId() + " delivered " + sequence + " after a GAP announced it up to " +
                source[1]);
        }
        else if (sequence > source[0] && sequence - 1 > source[1])
        {
            unannouncedSkips++;
            problem("source " + header.sourceId() + " skipped " + source[0] + ".." + (sequence - 1)
                + " but gaps covered only up to " + source[1]);
        }
        source[0] = Math.max(source[0], sequence + 1);
        if (length >= 8 && buffer.getLong(offset) != sequence
            && !(header.isKeyed() && length >= 16 && buffer.getLong(offset + 8) == sequence))
        {
            badPayloads++;
        }
    }

    @Override
    public void onGap(final Header header)
    {
        gaps++;
        gapMessages += header.gapDroppedCount();
        gapMessagesByReason[Math.min(header.gapReason(), gapMessagesByReason.length - 1)] += header.gapDroppedCount();
        final long[] source = source(header.sourceId());
        if (header.sequence() != header.gapFromSequence())
        {
            gapHeaderMismatches++;
            problem("GAP of source " + header.sourceId() + " has header sequence " + header.sequence() +
                " but from-sequence " + header.gapFromSequence());
        }
        if (header.gapFromSequence() < source[0])
        {
            gapsBehind++;
            problem("GAP " + header.gapFromSequence() + ".." + header.gapToSequence() + " of source " +
                header.sourceId() + " arrived after DATA " + (source[0] - 1));
        }
        source[1] = Math.max(source[1], header.gapToSequence());
    }

    private long[] source(final int sourceId)
    {
        long[] source = sources.get(sourceId);
        if (source == null)
        {
            source = new long[] {0, -1};
            sources.put(sourceId, source);
        }
        return source;
    }

    private void problem(final String what)
    {
        if (firstProblem.isEmpty())
        {
            firstProblem = what + " (after " + received + " messages)";
        }
    }

    public boolean clean()
    {
        return backwards == 0 && unannouncedSkips == 0 && badPayloads == 0 && gapsBehind == 0 &&
            deliveredInsideAGap == 0 && gapHeaderMismatches == 0;
    }

    @Override
    public String toString()
    {
        return "received=" + received + " gaps=" + gaps + " gapMessages=" + gapMessages + " backwards=" + backwards
            + " unannouncedSkips=" + unannouncedSkips + " badPayloads=" + badPayloads + " gapsBehind=" + gapsBehind
            + " deliveredInsideAGap=" + deliveredInsideAGap + " gapHeaderMismatches=" + gapHeaderMismatches
            + (firstProblem.isEmpty() ? "" : " first problem: " + firstProblem);
    }
}
