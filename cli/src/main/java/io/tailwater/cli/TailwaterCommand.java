package io.tailwater.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.List;

/**
 * The {@code tailwater} command and its subcommands. The subcommands are added by
 * {@link #commandLine}, only the one the arguments name when they name one: picocli reads every
 * added command's options by reflection, which costs a fresh {@code capture} or {@code apply} a
 * quarter of a second on two cores for the eleven it does not run.
 */
@Command(name = "tailwater", mixinStandardHelpOptions = true, version = "tailwater 0.1.0",
        description = "Single-leader replication for heterogeneous databases, built on Kafka.")
public final class TailwaterCommand {
    /** Every subcommand, in the order the help lists them. */
    static final List<Class<?>> SUBCOMMANDS = List.of(CaptureCommand.class, ApplyCommand.class, CompactCommand.class,
            StatusCommand.class, AwaitCommand.class, LeaderCommand.class, PromoteCommand.class, RejoinCommand.class,
            VerifyCommand.class, WorkloadCommand.class, DemoCommand.class, BenchmarkCommand.class);

    /**
     * The command line for {@code args}: with the subcommand {@code args[0]} names, or with all of
     * them (for the help, the version, and the message about an unknown command).
     */
    static CommandLine commandLine(String... args) {
        CommandLine line = new CommandLine(new TailwaterCommand());
        List<Class<?>> named = args.length == 0 ? List.of()
                : SUBCOMMANDS.stream().filter(c -> c.getAnnotation(Command.class).name().equals(args[0])).toList();
        for (Class<?> subcommand : named.isEmpty() ? SUBCOMMANDS : named) {
            line.addSubcommand(subcommand);
        }
        return line;
    }
}
