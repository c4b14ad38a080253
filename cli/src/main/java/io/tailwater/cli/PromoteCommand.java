package io.tailwater.cli;

import io.tailwater.config.Durations;
import io.tailwater.config.StreamConfig;
import io.tailwater.failover.Promotion;
import io.tailwater.schemas.event.Lsn;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code tailwater promote}: make a PostgreSQL follower the stream's leader. */
@Command(name = "promote", mixinStandardHelpOptions = true,
        description = "Make a PostgreSQL follower the leader of the stream. When the old leader answers, its writes are stopped"
                + " (database read-only, sessions ended) and capture drains them into the log first: nothing is lost. When it does"
                + " not, the follower takes over from the log's last position, and the output says what may be lost. Capture is"
                + " fenced; restarted, it reads from the new leader. Exits 0 once the leader change is in the log.")
final class PromoteCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--follower", required = true, paramLabel = "NAME", description = "The PostgreSQL follower to promote.")
    String follower;

    @Option(names = "--timeout", defaultValue = "10s", description = "How long each connection and log read may take (default ${DEFAULT-VALUE}).")
    String timeout;

    @Option(names = "--drain-timeout", defaultValue = "60s",
            description = "How long capture may take to log the old leader's last commits (default ${DEFAULT-VALUE}).")
    String drainTimeout;

    @Option(names = "--catch-up-timeout", defaultValue = "5m",
            description = "How long the follower may take to apply the whole log (default ${DEFAULT-VALUE}).")
    String catchUpTimeout;

    @Override
    public Integer call() {
        StreamConfig stream = config.load();
        Promotion.Result r = new Promotion(stream, new Promotion.Options(follower, Durations.parse(timeout), Durations.parse(drainTimeout),
                Durations.parse(catchUpTimeout))).run();
        PrintWriter out = spec.commandLine().getOut();
        out.println("follower '" + follower + "' is the leader of stream '" + stream.stream() + "' from log offset " + r.changeOffset()
                + " (epoch " + r.epoch() + ")");
        long lsn = r.lastOldLeaderPosition().lsn();
        if (r.planned()) {
            out.println("switchover: the old leader '" + r.oldLeader() + "' is read-only, and everything it committed is in the log"
                    + (lsn < 0 ? "" : " (up to LSN " + Lsn.format(lsn) + ")"));
            if (!r.oldSlotDropped()) {
                out.println("the old leader's replication slot could not be dropped; drop it there, or it keeps WAL:"
                        + " SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE 'tailwater%'");
            }
        } else {
            out.println("FAILOVER: the old leader '" + r.oldLeader() + "' did not answer. Writes it committed after "
                    + (lsn < 0 ? "it became the leader" : "LSN " + Lsn.format(lsn)) + " (its last position in the log) may be lost"
                    + " until it is seen again. Its replication slot is still there and keeps WAL: drop it once the writes are found");
        }
        out.println("next: restart capture (tailwater capture --config ...), which now reads from '" + follower + "';"
                + " point clients at " + JdbcUrls.redacted(stream.follower(follower).jdbcUrl()) + " (tailwater leader --config ... prints it)");
        out.flush();
        return 0;
    }
}
