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
                + " Exits 1 when a follower has failed or lags beyond --max-lag.")
final class StatusCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--timeout", defaultValue = "10s", description = "How long to wait for Kafka (default ${DEFAULT-VALUE}).")
    String timeout;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Option(names = "--max-lag", paramLabel = "LAG",
            description = "Exit 1 when a follower lags more than this: a number of records (e.g. 1000) or a time (e.g. 5s).")
    String maxLag;

    @Override
    public Integer call() throws Exception {
        StatusReport report = StatusReport.read(config.load(), Durations.parse(timeout));
        java.io.PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(report));
        } else {
            out.print(report.render());
        }
        out.flush();
        boolean failed = report.followers().stream().anyMatch(r -> r.state() == FollowerState.FAILED);
        return failed || (maxLag != null && report.followers().stream().anyMatch(this::beyondMaxLag)) ? 1 : 0;
    }

    private boolean beyondMaxLag(StatusReport.Row r) {
        if (maxLag.matches("\\d+")) {
            return r.lagRecords() > Long.parseLong(maxLag);
        }
        return r.lagMillis() < 0 || r.lagMillis() > Durations.parse(maxLag).toMillis();
    }
}
