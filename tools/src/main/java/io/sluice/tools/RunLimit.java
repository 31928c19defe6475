package io.sluice.tools;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import java.time.Duration;

/**
 * How long a produce or consume run lasts: a message count or a duration, mutually exclusive (an ArgGroup of the
 * command); neither means until the command stops for another reason (Ctrl-C, idle).
 */
final class RunLimit
{
    @Option(names = "--count", paramLabel = "N", description = "Stop after N messages.")
    long count;

    @Option(names = "--duration", paramLabel = "D", converter = DurationConverter.class,
        description = "Stop after D (e.g. 500ms, 10s, 2m).")
    Duration duration;

    /**
     * @param limit the parsed group, or null when neither option was given.
     * @param spec the command, for the error.
     * @throws ParameterException when the count or the duration is not positive.
     */
    static void validate(final RunLimit limit, final CommandSpec spec)
    {
        if (limit != null && limit.duration == null && limit.count <= 0)
        {
            throw new ParameterException(spec.commandLine(), "--count must be positive, was " + limit.count);
        }
        if (limit != null && limit.duration != null && (limit.duration.isZero() || limit.duration.isNegative()))
        {
            throw new ParameterException(spec.commandLine(), "--duration must be positive");
        }
    }

    /** @return the message count to stop at, or Long.MAX_VALUE. */
    static long count(final RunLimit limit)
    {
        return limit != null && limit.duration == null ? limit.count : Long.MAX_VALUE;
    }

    /** @return the run's length in nanoseconds, or Long.MAX_VALUE. */
    static long durationNanos(final RunLimit limit)
    {
        return limit != null && limit.duration != null ? limit.duration.toNanos() : Long.MAX_VALUE;
    }
}
