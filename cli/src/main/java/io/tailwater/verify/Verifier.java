package io.tailwater.verify;

import io.tailwater.applier.dialect.Dialect;
import io.tailwater.applier.dialect.Dialects;
import io.tailwater.applier.dialect.postgres.PostgresDialect;
import io.tailwater.applier.verify.StreamVerifier;
import io.tailwater.applier.verify.TableDigests;
import io.tailwater.config.FollowerConfig;
import io.tailwater.config.LeaderConfig;
import io.tailwater.config.StreamConfig;
import io.tailwater.log.FollowerWait;
import io.tailwater.schemas.Column;
import io.tailwater.schemas.TableId;
import io.tailwater.schemas.TableSchema;
import io.tailwater.schemas.event.Lsn;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;

/**
 * Compares a follower's copy of a stream's tables with the leader, row by row, while replication
 * runs. Each table is read on the leader in one snapshot, at a leader position P; then on the
 * follower, once it has applied P. A row that differs is read again on the leader: only when the
 * leader's row is the same as before (so the follower, which had applied at least P and at most
 * the second read's position, should hold it) is it a divergence. A row the leader changed in
 * between is compared again in the next round, at most {@link Options#rounds()} times; one that
 * changed every time is reported as not verified, never as diverging.
 */
public final class Verifier {
    /**
     * What to verify and how.
     *
     * @param tables          the leader tables to compare
     * @param rounds          how many times a row that changed on the leader meanwhile is compared again
     * @param followerTimeout how long to wait for the follower to apply the position a table was read at
     * @param progress        where each read's progress goes, or null
     */
    public record Options(List<TableId> tables, int rounds, Duration followerTimeout, PrintWriter progress) {
    }

    /**
     * One table's outcome.
     *
     * @param columns      the table's columns, in order (for rendering values)
     * @param leaderRows   rows the leader had at the first read
     * @param followerRows rows the follower had at the first read
     * @param divergences  the confirmed divergences
     * @param unverified   rows that changed on the leader in every round, so were not verified
     * @param rowsPerSecond rows read per second by the slower side, over the first reads
     */
    public record TableResult(TableId table, List<String> columns, long leaderRows, long followerRows, List<RowDivergence> divergences,
                              int unverified, long rowsPerSecond) {
    }

    private final StreamConfig config;
    private final LeaderConfig leader;
    private final FollowerConfig follower;
    private final Options options;

    public Verifier(StreamConfig config, LeaderConfig leader, FollowerConfig follower, Options options) {
        this.config = config;
        this.leader = leader;
        this.follower = follower;
        this.options = options;
    }

    /** Compares every table of the options. */
    public List<TableResult> run() throws SQLException {
        Dialect copy = Dialects.of(follower.kind());
        PostgresDialect pg = new PostgresDialect();
        Properties leaderProps = pg.connectionProperties();
        leaderProps.setProperty("targetServerType", "primary"); // a leader URL may list the primary's standbys too
        List<TableResult> out = new ArrayList<>();
        try (Connection l = StreamVerifier.connect(leader.jdbcUrl(), leader.user(), leader.password().value(), leaderProps);
             Connection f = StreamVerifier.connect(follower.jdbcUrl(), follower.user(), follower.password().value(), copy.connectionProperties());
             FollowerWait wait = new FollowerWait(config)) {
            l.setAutoCommit(false);
            l.setReadOnly(true);
            l.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            f.setAutoCommit(false);
            for (TableId id : options.tables()) {
                TableSchema schema = TableDigests.describePostgres(l, id);
                l.commit();
                out.add(verify(l, pg, f, copy, wait, schema));
            }
        }
        return out;
    }

    private TableResult verify(Connection l, PostgresDialect pg, Connection f, Dialect copy, FollowerWait wait, TableSchema schema)
            throws SQLException {
        TableId id = schema.id();
        long start = System.nanoTime();
        LeaderRead before = readLeader(l, pg, schema, Set.of());
        long leaderNanos = System.nanoTime() - start;
        long leaderRows = before.scan.rowCount;
        progress(id + ": " + before.scan.rowCount + " rows on the leader at " + Lsn.format(before.lsn));
        Set<String> candidates = null;
        List<RowDivergence> found = new ArrayList<>();
        long followerRows = -1;
        long rate = 0;
        for (int round = 1; round <= options.rounds() && (candidates == null || !candidates.isEmpty()); round++) {
            awaitFollower(wait, before.lsn, id);
            LeaderRead leaderThen = before;
            long followerStart = System.nanoTime();
            TableScan onFollower = TableScan.read(f, copy, copy.tableName(id), schema, candidates,
                    (key, hash) -> !(leaderThen.scan.rows.get(key) instanceof TableScan.Row r) || r.hash != hash);
            f.commit();
            if (followerRows < 0) {
                followerRows = onFollower.rowCount;
                // the slower side's rate, over the reads alone (not the wait for the follower)
                rate = Math.min(perSecond(leaderRows, leaderNanos), perSecond(followerRows, System.nanoTime() - followerStart));
                progress(id + ": " + followerRows + " rows on follower '" + follower.name() + "' (" + rate + " rows/s per side)");
            }
            Set<String> differing = differing(before.scan, onFollower, candidates);
            if (differing.isEmpty()) {
                candidates = Set.of();
                break;
            }
            LeaderRead after = readLeader(l, pg, schema, differing);
            Set<String> next = new HashSet<>();
            for (String key : differing) {
                TableScan.Row then = before.scan.rows.get(key);
                TableScan.Row now = after.scan.rows.get(key);
                boolean unchanged = then == null ? now == null : now != null && now.hash == then.hash && now.copies == then.copies;
                if (unchanged) {
                    found.add(divergence(schema, onFollower, key, now, onFollower.rows.get(key)));
                } else {
                    next.add(key);
                }
            }
            progress(id + ": round " + round + ": " + differing.size() + " row(s) differ, " + (differing.size() - next.size())
                    + " confirmed, " + next.size() + " changed on the leader meanwhile");
            candidates = next;
            before = after;
        }
        List<String> columns = schema.columns().stream().map(Column::name).toList();
        return new TableResult(id, columns, leaderRows, followerRows, found, candidates == null ? 0 : candidates.size(), rate);
    }

    private static long perSecond(long rows, long nanos) {
        return nanos <= 0 ? 0 : Math.round(rows * 1e9 / nanos);
    }

    /** The keys (among {@code only}, or all) on which the follower's read differs from the leader's. */
    private static Set<String> differing(TableScan leader, TableScan follower, Set<String> only) {
        Set<String> out = new HashSet<>();
        for (var e : follower.rows.entrySet()) {
            TableScan.Row l = leader.rows.get(e.getKey());
            if (l == null || l.hash != e.getValue().hash || l.copies != e.getValue().copies) {
                out.add(e.getKey());
            }
        }
        for (String key : leader.rows.keySet()) {
            if ((only == null || only.contains(key)) && !follower.rows.containsKey(key)) {
                out.add(key);
            }
        }
        return out;
    }

    private static RowDivergence divergence(TableSchema schema, TableScan scan, String key, TableScan.Row leader, TableScan.Row copy) {
        List<String> leaderValues = leader == null ? null : leader.values;
        List<String> followerValues = copy == null ? null : copy.values;
        String described = scan.describe(key, leaderValues != null ? leaderValues : followerValues);
        if (!scan.keyed()) {
            int more = (leader == null ? 0 : leader.copies) - (copy == null ? 0 : copy.copies);
            return new RowDivergence(schema.id(), described, more > 0 ? RowDivergence.Kind.MISSING : RowDivergence.Kind.EXTRA, List.of(),
                    Math.abs(more), more > 0 ? leaderValues : null, more > 0 ? null : followerValues);
        }
        if (copy == null) {
            return new RowDivergence(schema.id(), described, RowDivergence.Kind.MISSING, List.of(), 1, leaderValues, null);
        }
        if (leader == null) {
            return new RowDivergence(schema.id(), described, RowDivergence.Kind.EXTRA, List.of(), 1, null, followerValues);
        }
        List<String> columns = new ArrayList<>();
        for (int i = 0; i < schema.columns().size(); i++) {
            if (!Objects.equals(leaderValues.get(i), followerValues.get(i))) {
                columns.add(schema.columns().get(i).name());
            }
        }
        return new RowDivergence(schema.id(), described, RowDivergence.Kind.DIFFERENT, columns, 1, leaderValues, followerValues);
    }

    /** A read of a leader table in one snapshot, and the leader position that snapshot holds every commit up to. */
    private record LeaderRead(TableScan scan, long lsn) {
    }

    private LeaderRead readLeader(Connection l, PostgresDialect pg, TableSchema schema, Set<String> keep) throws SQLException {
        long lsn;
        try (Statement s = l.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rs.next(); // the snapshot is taken here: every commit it holds lies before this position
            lsn = Lsn.parse(rs.getString(1));
        }
        TableScan scan = TableScan.read(l, pg, pg.tableName(schema.id()), schema, null, (key, hash) -> keep.contains(key));
        l.commit();
        return new LeaderRead(scan, lsn);
    }

    private void awaitFollower(FollowerWait wait, long lsn, TableId id) {
        FollowerWait.Result r = wait.await(lsn, List.of(follower.name()), 1, options.followerTimeout());
        if (r.reached().isEmpty()) {
            throw new IllegalStateException("follower '" + follower.name() + "' did not apply leader position " + Lsn.format(lsn)
                    + " within " + options.followerTimeout().toSeconds() + "s, so " + id + " cannot be compared: check that its applier"
                    + " runs and keeps up (tailwater status), or give verify a longer --timeout");
        }
    }

    private void progress(String line) {
        if (options.progress() != null) {
            options.progress().println(line);
            options.progress().flush();
        }
    }
}
