package io.sluice.tools;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * The options {@code --direct} cannot go with, refused as a bad command line that names the option and says why, in
 * one wording for both commands. For {@code produce}: a direct publication is one anonymous, plain TCP connection
 * whose socket the publishing thread writes itself, so there is no other publication to offer through, no producer id
 * to publish, fence or reconnect as, and no TLS. {@code consume} names its own ({@link #refuseIfGiven}).
 */
final class DirectConflicts
{
    private static final String[] IDENTITY_OPTIONS = {"--producer-id", "--epoch", "--reconnect"};

    private DirectConflicts()
    {
    }

    /**
     * @param spec a command parsed with {@code --direct}.
     * @param option an option given that {@code --direct} cannot go with, or null for none.
     * @param why why not.
     * @throws ParameterException naming {@code option} and why, when it is not null.
     */
    static void refuseIfGiven(final CommandSpec spec, final String option, final String why)
    {
        if (option != null)
        {
            throw new ParameterException(spec.commandLine(), conflictWith(option, why));
        }
    }

    /**
     * @param spec a command parsed with {@code --direct}.
     * @param invoker whether {@code --invoker} was given too.
     * @throws ParameterException naming both, when it was.
     */
    static void refuseInvoker(final CommandSpec spec, final boolean invoker)
    {
        refuseIfGiven(spec, invoker ? "--invoker" : null, "--invoker runs a client's I/O on the command's thread, "
            + "--direct a connection of its own, with no client");
    }

    private static String conflictWith(final String option, final String why)
    {
        return "--direct cannot be used with " + option + ": " + why;
    }

    /**
     * @param spec the produce command, parsed with {@code --direct}.
     * @param connection its connection options.
     * @throws ParameterException naming the first option given that {@code --direct} cannot go with, and why.
     */
    static void refuse(final CommandSpec spec, final ConnectionOptions connection)
    {
        final String conflict = conflict(spec.commandLine().getParseResult(), connection.tlsOption());
        if (conflict != null)
        {
            throw new ParameterException(spec.commandLine(), conflict);
        }
    }

    /**
     * @param parsed what the command line gave; an option given with its default value counts too.
     * @param tlsOption the TLS option given, or null.
     * @return why an option given cannot go with {@code --direct}, or null when none was given.
     */
    static String conflict(final ParseResult parsed, final String tlsOption)
    {
        if (parsed.hasMatchedOption("--offer"))
        {
            return "--direct and --offer cannot be used together: --direct publishes through a direct publication, "
                + "--offer through the event loop's shared one";
        }
        for (final String option : IDENTITY_OPTIONS)
        {
            if (parsed.hasMatchedOption(option))
            {
                return conflictWith(option, "direct publications are anonymous (no producer id, epoch or reconnect)");
            }
        }
        return tlsOption == null ? null : conflictWith(tlsOption, "direct publications are plain TCP (no TLS)");
    }
}
