package io.tailwater.cli;

import picocli.CommandLine.Command;

/** The {@code tailwater} command and its subcommands. */
@Command(name = "tailwater", mixinStandardHelpOptions = true, version = "tailwater 0.1.0",
        description = "Single-leader replication for heterogeneous databases, built on Kafka.",
        subcommands = {CaptureCommand.class, ApplyCommand.class, CompactCommand.class, StatusCommand.class, AwaitCommand.class, LeaderCommand.class, PromoteCommand.class, RejoinCommand.class, VerifyCommand.class, WorkloadCommand.class, DemoCommand.class, BenchmarkCommand.class})
public final class TailwaterCommand {
}
