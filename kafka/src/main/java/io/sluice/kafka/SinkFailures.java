package io.sluice.kafka;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.core.protocol.FrameDescriptor;
import io.sluice.core.protocol.FrameType;
import io.sluice.core.protocol.Frames;
import io.sluice.core.util.RateLimitedLogger;
import io.sluice.server.bridge.BridgeContext;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * Accounts for the records a sink failed for good: counted by {@link SinkFailure}, offered to the relay's dead-letter
 * store as the DATA frame they came in (so a dead-letter reader sees them as the relay's own), and warned about at a
 * limited rate. Failing is rare, so the frame is built in a buffer of its own and released at once.
 * <p>
 * Counted on the sink's thread; the counts may be read from any thread.
 */
final class SinkFailures
{
    private final String sinkName;
    private final String stream;
    private final String topic;
    private final BridgeContext.DeadLetters deadLetters;
    private final BridgeCounters failed = new BridgeCounters();
    private final RateLimitedLogger warnings = new RateLimitedLogger(LoggerFactory.getLogger(KafkaSink.class), 10);
    private volatile long deadLettered;

    /**
     * @param sinkName the sink's name, for the warnings.
     * @param stream the stream the records came from: their dead letters are kept under it.
     * @param topic the topic they were meant for, for the warnings.
     * @param deadLetters the relay's dead-letter store.
     */
    SinkFailures(final String sinkName, final String stream, final String topic,
        final BridgeContext.DeadLetters deadLetters)
    {
        this.sinkName = sinkName;
        this.stream = stream;
        this.topic = topic;
        this.deadLetters = deadLetters;
    }

    /**
     * @param d the record, with its message.
     * @param error what it failed with.
     * @param forcedClose whether the producer was closed at once: it then fails what it had not confirmed with a
     *                    plain {@code KafkaException}, which is an abandonment, not a refusal.
     */
    void failedForGood(final Delivery d, final Exception error, final boolean forcedClose)
    {
        final SinkFailure classified = SinkFailure.of(error);
        final SinkFailure failure = forcedClose && classified == SinkFailure.REJECTED ? SinkFailure.ABANDONED
            : classified;
        failed.increment(failure.reasonName());
        final int reason = SinkFailure.isRetriable(error) ? SinkFailure.TIMEOUT.deadLetterReason()
            : failure.deadLetterReason();
        final ByteBuf frame = Unpooled.buffer(FrameDescriptor.HEADER_LENGTH + d.payload.length);
        final int kept;
        try
        {
            Frames.writeHeader(frame, FrameDescriptor.HEADER_LENGTH + d.payload.length, FrameType.DATA, d.flags,
                d.streamId, d.sourceId, d.sequence, d.timestampNanos);
            frame.writeBytes(d.payload);
            kept = deadLetters.offer(stream, reason, frame, 0, frame.readableBytes());
        }
        finally
        {
            frame.release();
        }
        if (kept > 0)
        {
            deadLettered++;
        }
        warnings.warn("kafka-sink {}: message {} of source {} not delivered to topic {} ({}): {}; {}", sinkName,
            d.sequence, d.sourceId, topic, failure.reasonName(), error.getMessage(),
            kept > 0 ? "kept in the dead-letter store" : "not kept (no dead-letter store, or it is full)");
    }

    /** @return records failed for good, by {@link SinkFailure#reasonName()}. */
    Map<String, Long> byReason()
    {
        return failed.snapshot();
    }

    /** @return records the dead-letter store accepted. */
    long deadLettered()
    {
        return deadLettered;
    }
}
