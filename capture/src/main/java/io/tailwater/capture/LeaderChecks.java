package io.tailwater.capture;

import io.tailwater.capture.postgres.ReplicationConnectionFactory;
import io.tailwater.config.LeaderConfig;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Checks at start-up that the leader can be captured, and names the exact setting to change
 * when it cannot: connection and password, {@code wal_level}, replication privilege, the right to
 * write heartbeat messages into the WAL, and a usable replica identity for every table in the stream.
 */
final class LeaderChecks {
    /** The tables an applier keeps in its follower ({@code FollowerStore}); never captured, whatever leader.tables says. */
    static final String OWN_TABLES = "tailwater_(position|skipped)";

    /** The application name of Tailwater's own leader sessions, which a switchover leaves running (see {@link LeaderWrites}). */
    static final String APPLICATION_NAME = "tailwater capture";

    private LeaderChecks() {
    }

    /** Runs every check; returns the leader tables the stream's table list matches, as {@code schema.table}. */
    static List<String> check(LeaderConfig leader, Duration timeout) {
        return checkedTables(leader, timeout).stream().map(LeaderTable::qualified).toList();
    }

    /** Runs every check; returns the leader tables the stream's table list matches. */
    static List<LeaderTable> checkedTables(LeaderConfig leader, Duration timeout) {
        try (Connection c = connect(leader, timeout)) {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW wal_level")) {
                rs.next();
                String level = rs.getString(1);
                if (!"logical".equals(level)) {
                    throw new LeaderNotReadyException("the leader's wal_level is '" + level
                            + "'; set wal_level = logical in postgresql.conf (ALTER SYSTEM SET wal_level = logical) and restart PostgreSQL");
                }
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user")) {
                if (rs.next() && !rs.getBoolean(1)) {
                    throw new LeaderNotReadyException("the leader user '" + leader.user()
                            + "' lacks the REPLICATION attribute; run ALTER ROLE <user> REPLICATION on the leader");
                }
            }
            // The text variant: (boolean, text, text) before PostgreSQL 17, which added a fourth argument, flush, with a default.
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("""
                    SELECT has_function_privilege(p.oid, 'EXECUTE'), pg_get_function_identity_arguments(p.oid)
                    FROM pg_proc p WHERE p.proname = 'pg_logical_emit_message' AND p.pronamespace = 'pg_catalog'::regnamespace
                      AND p.proargtypes[2] = 'text'::regtype""")) {
                if (rs.next() && !rs.getBoolean(1)) {
                    throw new LeaderNotReadyException("the leader user '" + leader.user() + "' may not call pg_logical_emit_message,"
                            + " which capture's heartbeats use to let the replication slot advance while the captured tables are quiet;"
                            + " run GRANT EXECUTE ON FUNCTION pg_logical_emit_message(" + rs.getString(2) + ") TO <user> on the leader");
                }
            }
            List<LeaderTable> tables = matchingTables(c, leader);
            List<String> matched = new ArrayList<>();
            for (LeaderTable t : tables) {
                String problem = t.identityProblem();
                if (problem != null) {
                    throw new LeaderNotReadyException(problem);
                }
                matched.add(t.qualified());
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT n.nspname, cl.relname, string_agg(quote_ident(a.attname), ', ')
                    FROM pg_attribute a JOIN pg_class cl ON cl.oid = a.attrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
                    WHERE a.attnum > 0 AND NOT a.attisdropped AND n.nspname || '.' || cl.relname = ANY (?)
                    GROUP BY n.nspname, cl.relname, lower(a.attname) HAVING count(*) > 1""")) {
                ps.setArray(1, c.createArrayOf("text", matched.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        throw new LeaderNotReadyException("table " + quote(rs.getString(1)) + "." + quote(rs.getString(2))
                                + " has columns whose names differ only by case (" + rs.getString(3)
                                + "), which Debezium cannot capture; rename one, or leave the table out of leader.tables");
                    }
                }
            }
            if (matched.isEmpty()) {
                throw new LeaderNotReadyException("no table on the leader matches leader.tables " + leader.tables()
                        + "; write them as schema.table, e.g. public.customers");
            }
            return tables;
        } catch (SQLException e) {
            throw new LeaderNotReadyException("cannot check the leader: " + e.getMessage(), e);
        }
    }

    /**
     * Drops the stream's replication slot if it exists, waiting for an earlier capture to let go
     * of it. Only called while the log holds nothing streamed, so nothing is lost.
     */
    static void dropSlot(LeaderConfig leader, String slot, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Connection c = connect(leader, timeout)) {
            while (true) {
                try (PreparedStatement ps = c.prepareStatement("SELECT active FROM pg_replication_slots WHERE slot_name = ?")) {
                    ps.setString(1, slot);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next()) {
                            return;
                        }
                        if (!rs.getBoolean(1)) {
                            try (PreparedStatement drop = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
                                drop.setString(1, slot);
                                drop.execute();
                            }
                            return;
                        }
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new LeaderNotReadyException("replication slot '" + slot + "' is still in use by another process after "
                            + timeout.toSeconds() + "s; stop the other capture of this stream (see pg_replication_slots.active_pid)");
                }
                Thread.sleep(200);
            }
        } catch (SQLException e) {
            throw new LeaderNotReadyException("cannot drop the unfinished replication slot '" + slot + "': " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LeaderNotReadyException("interrupted while waiting for replication slot '" + slot + "'", e);
        }
    }

    /**
     * A leader table the stream's table list matches.
     *
     * @param replicaIdentity {@code relreplident}: d(efault, the primary key), f(ull), i(ndex), n(othing)
     */
    record LeaderTable(String schema, String table, String replicaIdentity, boolean hasPrimaryKey) {
        String qualified() {
            return schema + "." + table;
        }

        String quoted() {
            return quote(schema) + "." + quote(table);
        }

        /** Why the table's updates and deletes cannot be replicated, naming the setting to change; null when they can. */
        String identityProblem() {
            if (hasPrimaryKey || "f".equals(replicaIdentity)) {
                return null;
            }
            return "table " + quoted() + " has no primary key, so its updates and deletes cannot be replicated; add a primary key,"
                    + " or run ALTER TABLE " + quoted() + " REPLICA IDENTITY FULL on the leader, or leave the table out of leader.tables";
        }
    }

    /**
     * The leader tables the stream's table list matches, by name. Tailwater's own tables (an
     * applier's, on a follower that became the leader) never match: see {@link #OWN_TABLES}.
     */
    static List<LeaderTable> matchingTables(Connection c, LeaderConfig leader) throws SQLException {
        List<Pattern> patterns = leader.tables().stream().map(t -> Pattern.compile(LeaderConfig.tablePattern(t))).toList();
        String sql = """
                SELECT n.nspname, c.relname, c.relreplident,
                       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                  AND c.relname !~ ?
                ORDER BY 1, 2""";
        List<LeaderTable> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, "^" + OWN_TABLES + "$");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    LeaderTable t = new LeaderTable(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBoolean(4));
                    if (patterns.stream().anyMatch(p -> p.matcher(t.qualified()).matches())) {
                        out.add(t);
                    }
                }
            }
        }
        return out;
    }

    static Connection connect(LeaderConfig leader, Duration timeout) {
        return connect(leader, timeout, true);
    }

    /**
     * A connection to the leader. With {@code retry}, attempts are repeated with backoff until
     * {@code timeout}; without, one attempt is made, given at most {@code timeout} to connect.
     */
    static Connection connect(LeaderConfig leader, Duration timeout, boolean retry) {
        return connect(leader, timeout, retry, new Properties());
    }

    /**
     * A walsender connection to the leader's database ({@code replication=database}), for the
     * replication commands {@code IDENTIFY_SYSTEM} and {@code TIMELINE_HISTORY}: one attempt.
     */
    static Connection connectReplication(LeaderConfig leader, Duration timeout) {
        return connectReplication(leader, timeout, APPLICATION_NAME);
    }

    /** A walsender connection as {@link #connectReplication(LeaderConfig, Duration)}, named {@code applicationName}. */
    static Connection connectReplication(LeaderConfig leader, Duration timeout, String applicationName) {
        Properties walsender = new Properties();
        walsender.setProperty("ApplicationName", applicationName);
        walsender.setProperty("replication", "database");
        walsender.setProperty("assumeMinServerVersion", "10");
        walsender.setProperty("preferQueryMode", "simple");
        return connect(leader, timeout, false, walsender);
    }

    private static Connection connect(LeaderConfig leader, Duration timeout, boolean retry, Properties extra) {
        Properties p = new Properties();
        p.setProperty("connectTimeout", Long.toString(retry ? 5 : Math.max(1, Math.min(5, timeout.toSeconds()))));
        p.setProperty("logServerErrorDetail", "false");
        p.setProperty("ApplicationName", APPLICATION_NAME);
        // Capture's own writes there (publications, slots, read-only switches) never wait for a synchronous capture, and
        // go through where clients' may not: a database made read-only by a switchover or a rejoin.
        p.setProperty("options", ReplicationConnectionFactory.LOCAL_COMMIT + " -c default_transaction_read_only=off");
        if (LeaderPrimary.isMultiHost(leader.jdbcUrl())) {
            p.setProperty("targetServerType", "primary"); // a primary and its standbys: capture's slot is on the primary
        }
        p.putAll(extra);
        return LeaderConnections.connect(leader, p, timeout, retry, "PostgreSQL", e -> {
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            if (state.startsWith("28")) {
                return "the leader refused user '" + leader.user() + "': " + e.getMessage() + "; check leader.user and leader.password";
            }
            return state.equals("3D000") ? "the leader database does not exist: " + e.getMessage() + "; check leader.jdbc-url" : null;
        });
    }

    static String quote(String s) {
        return '"' + s.replace("\"", "\"\"") + '"';
    }
}
