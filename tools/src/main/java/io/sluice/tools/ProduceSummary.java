package io.sluice.tools;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a {@code produce} run did, as the summary it prints on stdout (and the failure on stderr) and as the JSON
 * object {@code --json} writes.
 *
 * @param stream the stream's name.
 * @param payloadBytes bytes per message.
 * @param sent messages sent.
 * @param backPressured offers the relay pushed back.
 * @param elapsedNanos the send loop's own time, back-pressured stretches included, waiting for ACKs not.
 * @param acknowledged messages the relay acknowledged.
 * @param connectionLost whether the run ended because the connection was lost.
 * @param error why the run failed, or null.
 * @param producer what an identified run adds, or null for an anonymous one.
 */
record ProduceSummary(String stream, int payloadBytes, long sent, long backPressured, long elapsedNanos,
    long acknowledged, boolean connectionLost, String error, ProducerRun producer)
{
    ProduceSummary(final String stream, final int payloadBytes, final long sent, final long backPressured,
        final long elapsedNanos, final long acknowledged, final boolean connectionLost, final String error)
    {
        this(stream, payloadBytes, sent, backPressured, elapsedNanos, acknowledged, connectionLost, error, null);
    }

    double elapsedSeconds()
    {
        return elapsedNanos / (double)TimeUnit.SECONDS.toNanos(1);
    }

    double ratePerSecond()
    {
        final double seconds = elapsedSeconds();
        return seconds > 0 ? sent / seconds : 0;
    }

    void print(final PrintWriter out, final PrintWriter err)
    {
        out.printf(Locale.ROOT, "produced %,d messages of %d bytes to '%s' in %.3f s: %,.0f msg/s, %,d "
            + "back-pressured offers%n", sent, payloadBytes, stream, elapsedSeconds(), ratePerSecond(), backPressured);
        if (producer != null)
        {
            out.printf(Locale.ROOT, "  as producer %d, epoch %d, from sequence %,d: %,d resent after %,d "
                + "reconnects%n", producer.producerId(), producer.epoch(), producer.firstSequence(), producer.resent(),
                producer.reconnects());
        }
        if (error != null)
        {
            out.printf(Locale.ROOT, "  %s; the relay acknowledged %,d of them%n", error, acknowledged);
            err.println("produce: " + error);
        }
        out.flush();
    }

    Map<String, Object> toJson()
    {
        final Map<String, Object> result = new LinkedHashMap<>();
        result.put("stream", stream);
        result.put("sent", sent);
        result.put("backPressured", backPressured);
        result.put("elapsedSeconds", Json.round3(elapsedSeconds()));
        result.put("ratePerSecond", Json.round3(ratePerSecond()));
        result.put("payloadBytes", payloadBytes);
        result.put("acknowledged", acknowledged);
        result.put("connectionLost", connectionLost);
        result.put("error", error);
        if (producer != null)
        {
            result.put("producerId", producer.producerId());
            result.put("epoch", producer.epoch());
            result.put("firstSequence", producer.firstSequence());
            result.put("resent", producer.resent());
            result.put("reconnects", producer.reconnects());
        }
        return result;
    }
}
