package io.tailwater.cli;

import io.tailwater.config.Durations;
import io.tailwater.config.StreamConfig;
import io.tailwater.failover.Rejoin;
import io.tailwater.schemas.event.Lsn;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code tailwater rejoin}: make a former leader a follower of its stream, reporting the writes the log lacks. */
@Command(name = "rejoin", mixinStandardHelpOptions = true,
        description = "Make a former leader a follower of the stream. Its writes are stopped (database read-only for clients);"
                + " the transactions it committed that never reached the log are read from its replication slot and written to the"
                + " report, one JSON line per changed row; the rows they touched are set to the log's state; then its applier"
                + " (tailwater apply) goes on from the leader change like any follower's. The follower must be listed in the"
                + " config with the former leader's connection.")
final class RejoinCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Spec
    CommandSpec spec;

    @Option(names = "--follower", required = true, paramLabel = "NAME", description = "The follower that is the former leader's database.")
    String follower;

    @Option(names = "--report", paramLabel = "FILE",
            description = "Where to write the lost writes (default: tailwater-lost-writes-<stream>-<follower>.jsonl here).")
    Path report;

    @Option(names = "--timeout", defaultValue = "10s", description = "How long each connection and log read may take (default ${DEFAULT-VALUE}).")
    String timeout;

    @Override
    public Integer call() {
        StreamConfig stream = config.load();
        Path file = report != null ? report : Path.of("tailwater-lost-writes-" + stream.stream() + "-" + follower + ".jsonl");
        Rejoin.Result r = new Rejoin(stream, new Rejoin.Options(follower, Durations.parse(timeout), file)).run();
        PrintWriter out = spec.commandLine().getOut();
        if (r.alreadyRejoined()) {
            out.println("follower '" + follower + "' has rejoined stream '" + stream.stream() + "' already (its position is at or past log"
                    + " offset " + r.changeOffset() + "); nothing was changed");
        } else {
            out.println("follower '" + follower + "' (the leader of epoch " + r.ledEpoch() + ") is a follower of stream '" + stream.stream()
                    + "' from log offset " + r.changeOffset());
            long lsn = r.lastLogged().lsn();
            String after = lsn < 0 ? "" : " after LSN " + Lsn.format(lsn);
            if (r.lost().isEmpty()) {
                out.println("lost writes: none; every transaction it committed is in the log" + (r.planned() ? " (a switchover)" : ""));
            } else {
                out.println("LOST WRITES: " + r.lost().size() + " transactions (" + r.lostChanges() + " row changes) it committed" + after
                        + " never reached the log. They are listed in " + file.toAbsolutePath() + " and were undone there: "
                        + r.restored() + " row changes set the rows they touched to the log's state. Re-apply on the leader what should stay");
            }
            if (!r.slotDropped() && !r.planned()) {
                out.println("its replication slot " + r.slot() + " could not be dropped; drop it there, or it keeps WAL:"
                        + " SELECT pg_drop_replication_slot('" + r.slot() + "')");
            }
        }
        out.println("its database is read-only for clients; the applier writes to it. next: tailwater apply --config ... --follower "
                + follower);
        out.flush();
        return 0;
    }
}
