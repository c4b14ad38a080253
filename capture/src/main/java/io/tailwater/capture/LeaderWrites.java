package io.tailwater.capture;

import io.tailwater.config.LeaderConfig;
import io.tailwater.schemas.event.Lsn;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * Stops and restarts writes on a PostgreSQL leader for a planned switchover: its database is
 * made read-only for new sessions ({@code default_transaction_read_only}) and its client
 * sessions are ended, so nothing more commits there; capture's own connections are left alone,
 * so that everything committed still reaches the log.
 */
public final class LeaderWrites {
    private LeaderWrites() {
    }

    /**
     * Whether the leader answers within {@code timeout}: a query runs, or the server itself
     * refuses the session (too many connections, starting up, a login it rejects). Only no answer
     * at all (a connection error, SQLSTATE class 08, or a timeout) counts as unreachable: a
     * server that answers must not be failed over.
     */
    public static boolean reachable(LeaderConfig leader, Duration timeout) {
        try (Connection c = LeaderChecks.connect(leader, timeout, false); Statement s = c.createStatement()) {
            s.execute("SELECT 1");
            return true;
        } catch (LeaderNotReadyException e) {
            return e.getCause() instanceof SQLException sql && answered(sql);
        } catch (SQLException e) {
            return answered(e);
        }
    }

    private static boolean answered(SQLException e) {
        String state = e.getSQLState();
        return state != null && !state.startsWith("08");
    }

    /**
     * Makes the leader's database read-only and ends every client session on it but this one and
     * capture's. Returns the leader's WAL position after that: everything committed lies before it.
     */
    public static long stop(LeaderConfig leader, Duration timeout) {
        boolean readOnly = false;
        try (Connection c = LeaderChecks.connect(leader, timeout)) {
            try (Statement s = c.createStatement()) {
                s.execute("SET default_transaction_read_only = off"); // a session opened after an earlier stop starts read-only
                // Two promotes at once would race on the same catalog row: they take turns.
                c.setAutoCommit(false);
                s.execute("SELECT pg_advisory_xact_lock(hashtext('tailwater stop writes'))");
                s.execute("ALTER DATABASE " + LeaderChecks.quote(database(c)) + " SET default_transaction_read_only = on");
                c.commit();
                c.setAutoCommit(true);
                readOnly = true;
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                    WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
                      AND application_name NOT LIKE 'Debezium%' AND application_name <> ?""")) {
                ps.setString(1, LeaderChecks.APPLICATION_NAME);
                ps.execute();
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
                rs.next();
                return Lsn.parse(rs.getString(1));
            }
        } catch (SQLException e) {
            if (readOnly) {
                resume(leader, timeout); // the sessions could not be ended: leave the leader as it was
            }
            throw new LeaderNotReadyException("cannot stop writes on the leader at " + LeaderConnections.hostPart(leader.jdbcUrl()) + ": "
                    + e.getMessage() + "; the leader user needs the right to ALTER DATABASE and to end other sessions"
                    + " (the database owner, or pg_signal_backend)", e);
        }
    }

    /**
     * A session on a leader that holds its stream's promote lock, so that promotes of one stream
     * take turns there: a promote that fails cannot give the old leader its writes back while
     * another one is switching it over.
     */
    public static final class PromoteLock implements AutoCloseable {
        private final Connection session;

        private PromoteLock(Connection session) {
            this.session = session;
        }

        @Override
        public void close() {
            try {
                session.close(); // ends the session, and with it the lock
            } catch (SQLException e) {
                // the session is gone either way
            }
        }
    }

    /**
     * Takes the promote lock of {@code stream} on the leader, waiting up to {@code wait} for
     * another promote to let go of it.
     */
    public static PromoteLock lock(LeaderConfig leader, String stream, Duration timeout, Duration wait) {
        Connection c = LeaderChecks.connect(leader, timeout);
        long deadline = System.nanoTime() + wait.toNanos();
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(hashtext('tailwater promote ' || ?))")) {
            ps.setString(1, stream);
            while (true) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getBoolean(1)) {
                        return new PromoteLock(c);
                    }
                }
                if (System.nanoTime() > deadline) {
                    c.close();
                    throw new LeaderNotReadyException("another promote of stream '" + stream + "' has been under way on the leader at "
                            + LeaderConnections.hostPart(leader.jdbcUrl()) + " for longer than " + wait.toSeconds() + "s; nothing was changed."
                            + " See tailwater status, and promote again once it is done");
                }
                Thread.sleep(100); // the lock is polled: pg_advisory_lock would hold a backend with no deadline of ours
            }
        } catch (SQLException e) {
            throw new LeaderNotReadyException("cannot take the promote lock on the leader at " + LeaderConnections.hostPart(leader.jdbcUrl())
                    + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LeaderNotReadyException("interrupted while waiting for the promote lock", e);
        }
    }

    /** Drops a stream's slot on a leader it no longer is (after a switchover, nothing in it is needed): best effort, true if gone. */
    public static boolean dropSlot(LeaderConfig leader, String slot, Duration timeout) {
        try {
            LeaderChecks.dropSlot(leader, slot, timeout);
            return true;
        } catch (LeaderNotReadyException e) {
            return false;
        }
    }

    /** Undoes {@link #stop}: new sessions may write again. */
    public static void resume(LeaderConfig leader, Duration timeout) {
        try (Connection c = LeaderChecks.connect(leader, timeout); Statement s = c.createStatement()) {
            s.execute("SET default_transaction_read_only = off");
            s.execute("ALTER DATABASE " + LeaderChecks.quote(database(c)) + " RESET default_transaction_read_only");
        } catch (SQLException e) {
            throw new LeaderNotReadyException("cannot let the leader at " + LeaderConnections.hostPart(leader.jdbcUrl())
                    + " take writes again: " + e.getMessage() + "; run ALTER DATABASE <db> RESET default_transaction_read_only there", e);
        }
    }

    /** Whether new sessions on the leader's database may write (it is no standby and not made read-only). */
    public static boolean writable(LeaderConfig leader, Duration timeout) {
        try (Connection c = LeaderChecks.connect(leader, timeout, false); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT NOT pg_is_in_recovery() AND NOT EXISTS (SELECT 1 FROM pg_db_role_setting r"
                     + " JOIN pg_database d ON d.oid = r.setdatabase WHERE d.datname = current_database() AND r.setrole = 0"
                     + " AND 'default_transaction_read_only=on' = ANY (r.setconfig))")) {
            return rs.next() && rs.getBoolean(1);
        } catch (LeaderNotReadyException | SQLException e) {
            return false;
        }
    }

    private static String database(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT current_database()")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
