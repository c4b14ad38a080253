package io.tailwater.cli;

import io.tailwater.capture.Capture;
import io.tailwater.config.Durations;
import io.tailwater.config.FollowerConfig;
import io.tailwater.config.StreamConfig;
import io.tailwater.failover.CurrentLeader;
import io.tailwater.schemas.TableId;
import io.tailwater.verify.RowDivergence;
import io.tailwater.verify.Verifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code tailwater verify}: proves, row by row, that a follower equals its leader. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Compare the leader and a follower row by row while replication runs, and name each row that differs"
                + " (table, key, and which columns; values only with --show-values). A row the follower has not applied yet is not"
                + " a divergence: it is read again once the follower has. Exits 0 when they are equal, 1 when a row differs.")
final class VerifyCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Spec
    CommandSpec spec;

    @Option(names = "--follower", required = true, paramLabel = "NAME", description = "The follower to compare with the leader.")
    String follower;

    @Option(names = "--tables", split = ",", paramLabel = "SCHEMA.TABLE",
            description = "The leader tables to compare (default: every table of the stream).")
    List<String> tables;

    @Option(names = "--show-values", description = "Also print the leader's and the follower's values of each row that differs.")
    boolean showValues;

    @Option(names = "--rounds", defaultValue = "5",
            description = "How many times a row that changed on the leader meanwhile is read again (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--timeout", defaultValue = "60s",
            description = "How long to wait for Kafka, the leader, and the follower to apply what was read (default ${DEFAULT-VALUE}).")
    String timeout;

    @Override
    public Integer call() throws Exception {
        StreamConfig stream = config.load();
        FollowerConfig copy = stream.follower(follower);
        Duration t = Durations.parse(timeout);
        if (rounds < 1) {
            throw new IllegalArgumentException("--rounds must be at least 1, not " + rounds);
        }
        CurrentLeader leader = CurrentLeader.read(stream, t);
        List<TableId> ids = tables == null ? Capture.tables(leader.database(), t) : tables.stream().map(TableId::parse).toList();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Verifier.TableResult> results = new Verifier(stream, leader.database(), copy, new Verifier.Options(ids, rounds, t, err)).run();
        int diverging = 0;
        int unverified = 0;
        for (Verifier.TableResult r : results) {
            out.println(r.table() + ": " + r.leaderRows() + " rows on the leader, " + r.followerRows() + " on '" + follower + "', "
                    + (r.divergences().isEmpty() ? "equal" : r.divergences().size() + " differ")
                    + (r.unverified() > 0 ? ", " + r.unverified() + " changed on the leader in every round (not verified)" : ""));
            for (RowDivergence d : r.divergences()) {
                out.println("  " + d.render(r.columns(), showValues));
            }
            diverging += r.divergences().size();
            unverified += r.unverified();
        }
        out.println(diverging == 0 ? "follower '" + follower + "' equals the leader on " + results.size() + " table(s)"
                + (unverified > 0 ? ", except " + unverified + " row(s) that changed too often to compare" : "")
                : "follower '" + follower + "' differs from the leader in " + diverging + " row(s)");
        out.flush();
        return diverging == 0 ? 0 : 1;
    }
}
