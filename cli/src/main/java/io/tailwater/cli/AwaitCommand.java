package io.tailwater.cli;

import io.tailwater.config.Durations;
import io.tailwater.config.StreamConfig;
import io.tailwater.log.FollowerPosition;
import io.tailwater.log.FollowerWait;
import io.tailwater.schemas.event.Lsn;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code tailwater await}: wait until followers have applied a leader position (read-your-writes). */
@Command(name = "await", mixinStandardHelpOptions = true,
        description = "Wait until followers have applied a leader position, e.g. pg_current_wal_lsn() read after a commit."
                + " Exits 0 once enough followers have it, 1 when the timeout passes first.")
final class AwaitCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--lsn", required = true, paramLabel = "LSN", description = "The leader position, as PostgreSQL prints it (0/16B3748).")
    String lsn;

    @Option(names = "--followers", split = ",", paramLabel = "NAME",
            description = "The followers to wait for, comma-separated (default: all of the stream's followers).")
    List<String> followers;

    @Option(names = "--at-least", paramLabel = "N", description = "How many of them must have it (default: all of them).")
    Integer atLeast;

    @Option(names = "--timeout", defaultValue = "5s", description = "How long to wait (default ${DEFAULT-VALUE}).")
    String timeout;

    @Override
    public Integer call() {
        StreamConfig stream = config.load();
        long position = Lsn.parse(lsn);
        List<String> names = followers == null ? new ArrayList<>(stream.followers().keySet()) : followers;
        int required = atLeast == null ? names.size() : atLeast;
        PrintWriter out = spec.commandLine().getOut();
        try (FollowerWait wait = new FollowerWait(stream)) {
            FollowerWait.Result result = wait.await(position, names, required, Durations.parse(timeout));
            if (result.reached().size() >= required) {
                out.println("leader position " + Lsn.format(position) + " applied on " + String.join(", ", result.reached()));
                out.flush();
                return 0;
            }
            PrintWriter err = spec.commandLine().getErr();
            err.println("timed out after " + timeout + ": leader position " + Lsn.format(position) + " is on " + result.reached().size()
                    + " of the " + required + " followers required" + (result.reached().isEmpty() ? "" : " (" + String.join(", ", result.reached()) + ")"));
            for (Map.Entry<String, FollowerPosition> m : result.missing().entrySet()) {
                FollowerPosition p = m.getValue();
                err.println("  " + m.getKey() + ": " + (p == null ? "never reported a position"
                        : "at " + (p.lsn() < 0 ? "nothing applied" : Lsn.format(p.lsn())) + ", " + p.state()
                        + (p.error() == null ? "" : " (" + p.error() + ")")));
            }
            err.flush();
            return 1;
        }
    }
}
