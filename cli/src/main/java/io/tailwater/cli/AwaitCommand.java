package io.tailwater.cli;

import io.tailwater.config.Durations;
import io.tailwater.config.LeaderKind;
import io.tailwater.config.StreamConfig;
import io.tailwater.log.FollowerPosition;
import io.tailwater.log.FollowerWait;
import io.tailwater.schemas.event.Gtids;
import io.tailwater.schemas.event.Lsn;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code tailwater await}: wait until followers have applied a leader position (read-your-writes). */
@Command(name = "await", mixinStandardHelpOptions = true,
        description = "Wait until followers have applied a leader position, e.g. pg_current_wal_lsn() (PostgreSQL) or @@last_gtid"
                + " (MariaDB) read after a commit."
                + " Exits 0 once enough followers have it, 1 when the timeout passes first.")
final class AwaitCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--lsn", paramLabel = "LSN", description = "A PostgreSQL leader's position, as it prints it (0/16B3748):"
            + " pg_current_wal_lsn() read after the commit.")
    String lsn;

    @Option(names = "--gtid", paramLabel = "GTID", description = "A MariaDB leader's position, one GTID or a GTID position"
            + " (0-1-4711, or 0-1-4711,1-2-17): @@last_gtid read after the commit.")
    String gtid;

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
        boolean mariaDb = stream.leader().kind() == LeaderKind.MARIADB;
        if ((lsn == null) == (gtid == null)) {
            throw new ParameterException(spec.commandLine(), "give the leader position as --" + (mariaDb ? "gtid" : "lsn")
                    + " (the stream's leader is " + (mariaDb ? "MariaDB" : "PostgreSQL") + ")");
        }
        if (mariaDb == (lsn != null)) {
            throw new ParameterException(spec.commandLine(), "the leader of stream '" + stream.stream() + "' is "
                    + (mariaDb ? "MariaDB: give its position as --gtid (@@last_gtid after the commit)"
                    : "PostgreSQL: give its position as --lsn (pg_current_wal_lsn() after the commit)"));
        }
        String position;
        long wantedLsn = -1;
        Gtids wantedGtids = null;
        try {
            if (mariaDb) {
                wantedGtids = Gtids.parse(gtid);
                position = wantedGtids.toString();
            } else {
                wantedLsn = Lsn.parse(lsn);
                position = Lsn.format(wantedLsn);
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        List<String> names = followers == null ? new ArrayList<>(stream.followers().keySet()) : followers;
        int required = atLeast == null ? names.size() : atLeast;
        PrintWriter out = spec.commandLine().getOut();
        try (FollowerWait wait = new FollowerWait(stream)) {
            FollowerWait.Result result = mariaDb ? wait.awaitGtid(wantedGtids, names, required, Durations.parse(timeout))
                    : wait.await(wantedLsn, names, required, Durations.parse(timeout));
            if (result.reached().size() >= required) {
                out.println("leader position " + position + " applied on " + String.join(", ", result.reached()));
                out.flush();
                return 0;
            }
            PrintWriter err = spec.commandLine().getErr();
            err.println("timed out after " + timeout + ": leader position " + position + " is on " + result.reached().size()
                    + " of the " + required + " followers required" + (result.reached().isEmpty() ? "" : " (" + String.join(", ", result.reached()) + ")"));
            for (Map.Entry<String, FollowerPosition> m : result.missing().entrySet()) {
                FollowerPosition p = m.getValue();
                err.println("  " + m.getKey() + ": " + (p == null ? "never reported a position"
                        : "at " + (mariaDb ? (p.gtid() == null ? "nothing applied" : p.gtid())
                        : p.lsn() < 0 ? "nothing applied" : Lsn.format(p.lsn())) + ", " + p.state()
                        + (p.error() == null ? "" : " (" + p.error() + ")")));
            }
            err.flush();
            return 1;
        }
    }
}
