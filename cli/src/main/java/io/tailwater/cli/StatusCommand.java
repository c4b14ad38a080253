package io.tailwater.cli;

import io.tailwater.config.Durations;
import io.tailwater.log.FollowerState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code tailwater status}: where each follower is. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show the log end offset and, for each follower, its applied offset, lag in records and milliseconds, and state."
                + " Exits 1 when a follower has failed.")
final class StatusCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--timeout", defaultValue = "10s", description = "How long to wait for Kafka (default ${DEFAULT-VALUE}).")
    String timeout;

    @Override
    public Integer call() {
        StatusReport report = StatusReport.read(config.load(), Durations.parse(timeout));
        spec.commandLine().getOut().print(report.render());
        spec.commandLine().getOut().flush();
        return report.followers().stream().anyMatch(r -> r.state() == FollowerState.FAILED) ? 1 : 0;
    }
}
