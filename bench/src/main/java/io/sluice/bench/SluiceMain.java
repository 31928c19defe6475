package io.sluice.bench;

import io.sluice.server.cli.HashTokenCommand;
import io.sluice.server.cli.RelayCommand;
import io.sluice.server.cli.TopCommand;
import io.sluice.tools.ConsumeCommand;
import io.sluice.tools.ProduceCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * The {@code sluice} command line: {@code sluice relay}, {@code sluice produce}, {@code sluice consume},
 * {@code sluice top}, {@code sluice demo}, {@code sluice bench}, {@code sluice dead-letter}, {@code sluice hash-token}.
 * Results go to stdout; logs and progress go to stderr.
 */
@Command(
    name = "sluice",
    mixinStandardHelpOptions = true,
    versionProvider = SluiceMain.Version.class,
    description = "Sluice: a TCP relay with backpressure, and tools to load and measure it.",
    subcommands = {RelayCommand.class, ProduceCommand.class, ConsumeCommand.class, TopCommand.class, DemoCommand.class,
        BenchCommand.class, DeadLetterCommand.class, HashTokenCommand.class},
    synopsisSubcommandLabel = "COMMAND")
public final class SluiceMain implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    /**
     * Runs the command line and exits with its exit code.
     *
     * @param args command line.
     */
    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new SluiceMain()).execute(args));
    }

    /**
     * No subcommand given: that is a usage error.
     *
     * @return never returns normally.
     */
    @Override
    public Integer call()
    {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "missing command: relay, produce, consume, top, demo, bench, dead-letter or hash-token");
    }

    /**
     * The version from the jar manifest (the shade plugin writes {@code Implementation-Version}).
     */
    public static final class Version implements IVersionProvider
    {
        @Override
        public String[] getVersion()
        {
            final String version = SluiceMain.class.getPackage().getImplementationVersion();
            return new String[] {"sluice " + (version != null ? version : "(development build)")};
        }
    }
}
