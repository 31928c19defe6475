package io.sluice.server.cli;

import io.sluice.core.tls.TlsProvider;
import io.sluice.server.config.InactiveAfter;
import io.sluice.server.config.StreamConfig;
import io.sluice.server.config.Strategy;
import io.sluice.server.config.text.Units;
import io.sluice.server.drop.DropPolicySpec;
import io.sluice.server.security.TlsSettings;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;

/**
 * The picocli converters of the relay's command-line values (byte sizes, durations, names), shared by every command
 * that takes the same kind of value. Each turns the parser's {@link IllegalArgumentException} into picocli's
 * {@link TypeConversionException}, so that a bad value is a usage error (exit 2) naming the option.
 */
public final class OptionConverters
{
    private OptionConverters()
    {
    }

    /** Byte sizes with units, as a long. */
    public static final class Bytes implements ITypeConverter<Long>
    {
        @Override
        public Long convert(final String value)
        {
            try
            {
                return Units.parseBytes(value);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new TypeConversionException(ex.getMessage());
            }
        }
    }

    /** Durations with units (ms, s, m), as milliseconds. */
    public static final class Millis implements ITypeConverter<Integer>
    {
        @Override
        public Integer convert(final String value)
        {
            try
            {
                return Math.toIntExact(Units.parseMillis(value));
            }
            catch (final IllegalArgumentException | ArithmeticException ex)
            {
                throw new TypeConversionException(ex.getMessage());
            }
        }
    }

    /** {@code inactive-after}: never, or a duration up to days, in milliseconds. */
    public static final class InactiveAfterMillis implements ITypeConverter<Long>
    {
        @Override
        public Long convert(final String value)
        {
            try
            {
                return InactiveAfter.parseMillis(value);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new TypeConversionException(ex.getMessage());
            }
        }
    }

    /** Byte sizes with units, as an int. */
    public static final class IntBytes implements ITypeConverter<Integer>
    {
        @Override
        public Integer convert(final String value)
        {
            final long bytes = new Bytes().convert(value);
            if (bytes > Integer.MAX_VALUE)
            {
                throw new TypeConversionException("'" + value + "' is too large (at most " + Integer.MAX_VALUE +
                    " bytes)");
            }
            return (int)bytes;
        }
    }

    /** Durations down to nanoseconds: 250us, 5ms, 1s. */
    public static final class Nanos implements ITypeConverter<Long>
    {
        @Override
        public Long convert(final String value)
        {
            try
            {
                return Units.parseNanos(value);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new TypeConversionException(ex.getMessage());
            }
        }
    }

    /** Log formats: text or json, any case. */
    public static final class LogFormatName implements ITypeConverter<String>
    {
        @Override
        public String convert(final String value)
        {
            final String format = value.trim().toLowerCase(Locale.ROOT);
            if (!format.equals("text") && !format.equals("json"))
            {
                throw new TypeConversionException("'" + value + "' is not a log format (known: text, json)");
            }
            return format;
        }
    }

    /** TLS engines: auto, jdk, openssl. */
    public static final class TlsProviderName implements ITypeConverter<TlsProvider>
    {
        @Override
        public TlsProvider convert(final String value)
        {
            try
            {
                return TlsProvider.of(value);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new TypeConversionException(ex.getMessage());
            }
        }
    }

    /** Client certificate modes: none, optional, required. */
    public static final class ClientAuthName implements ITypeConverter<TlsSettings.ClientAuth>
    {
        @Override
        public TlsSettings.ClientAuth convert(final String value)
        {
            try
            {
                return TlsSettings.ClientAuth.of(value);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new TypeConversionException(ex.getMessage());
            }
        }
    }

    /** Strategy names as written in config, checked when read. */
    public static final class StrategyName implements ITypeConverter<String>
    {
        @Override
        public String convert(final String value)
        {
            try
            {
                StreamConfig.DEFAULT.withStrategyName(value);
                return value;
            }
            catch (final IllegalArgumentException ex)
            {
                throw new TypeConversionException(ex.getMessage());
            }
        }
    }

    /** The strategy names, for the help text. */
    public static final class StrategyNames implements Iterable<String>
    {
        @Override
        public Iterator<String> iterator()
        {
            return java.util.stream.Stream.concat(Arrays.stream(Strategy.values()).map(Strategy::configName),
                DropPolicySpec.DROP_POLICIES.stream()).iterator();
        }
    }
}
