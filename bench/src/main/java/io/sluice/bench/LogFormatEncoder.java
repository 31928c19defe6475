package io.sluice.bench;

import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;

import java.util.Locale;

/**
 * The launcher's log encoder (see logback.xml): human-readable lines by default, or one JSON object per line for
 * log shippers when the system property {@code sluice.log.format} is {@code json} ({@code sluice relay
 * --log-format json} sets it) or, without that property, the environment variable {@code SLUICE_LOG_FORMAT} is.
 * Any other value means text.
 * <p>
 * A class rather than a conditional in logback.xml: it needs no Janino, and an unknown value cannot leave the
 * logs without an appender.
 */
public final class LogFormatEncoder extends EncoderBase<ILoggingEvent>
{
    /** System property that chooses the format. */
    public static final String PROPERTY = "sluice.log.format";
    /** Environment variable that chooses the format when the property is not set. */
    public static final String ENVIRONMENT = "SLUICE_LOG_FORMAT";

    private String pattern = "%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n";
    private Encoder<ILoggingEvent> delegate;

    /**
     * @param pattern the layout of text lines, as for logback's PatternLayoutEncoder.
     */
    public void setPattern(final String pattern)
    {
        this.pattern = pattern;
    }

    /**
     * @return whether JSON was asked for, by the property or else by the environment.
     */
    static boolean jsonAsked()
    {
        String format = System.getProperty(PROPERTY);
        if (format == null || format.isBlank())
        {
            format = System.getenv(ENVIRONMENT);
        }
        return format != null && format.strip().toLowerCase(Locale.ROOT).equals("json");
    }

    @Override
    public void start()
    {
        if (jsonAsked())
        {
            final JsonEncoder json = new JsonEncoder();
            json.setContext(getContext());
            json.setWithSequenceNumber(false);
            json.setWithNanoseconds(false);
            json.setWithContext(false);
            json.setWithMarkers(false);
            json.setWithKVPList(false);
            json.setWithArguments(false);
            json.setWithMessage(false);
            json.setWithFormattedMessage(true);
            json.start();
            delegate = json;
        }
        else
        {
            final PatternLayoutEncoder text = new PatternLayoutEncoder();
            text.setContext(getContext());
            text.setPattern(pattern);
            text.start();
            delegate = text;
        }
        super.start();
    }

    @Override
    public void stop()
    {
        if (delegate != null)
        {
            delegate.stop();
        }
        super.stop();
    }

    @Override
    public byte[] headerBytes()
    {
        return delegate.headerBytes();
    }

    @Override
    public byte[] encode(final ILoggingEvent event)
    {
        return delegate.encode(event);
    }

    @Override
    public byte[] footerBytes()
    {
        return delegate.footerBytes();
    }
}
