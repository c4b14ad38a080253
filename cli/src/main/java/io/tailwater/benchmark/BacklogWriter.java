package io.tailwater.benchmark;

import io.tailwater.benchmark.Backlog.Workload;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Writes the benchmark's table: the rows that exist before a backlog (its seed) and the backlog
 * itself, and tells from a follower's copy of the table how far the backlog has arrived.
 * <p>
 * Every change of a backlog touches one row of {@code items}. An insert backlog adds ids
 * 0..N-1. A mixed backlog works on a seed of ids 0..N-1: it deletes ids from 0 upwards, updates
 * ids from 0.3 N up (never deleted ones) and inserts ids from N up, in the repeating pattern
 * {@link #MIXED_PATTERN}; its first and last change are inserts. So on any copy of the table the
 * first change of the backlog has arrived once the first inserted id is there, and the whole
 * backlog once the last one is: a follower applies whole transactions in commit order.
 */
final class BacklogWriter {
    static final String TABLE = "public.items";
    static final String CREATE = "CREATE TABLE items (id bigint PRIMARY KEY, account int NOT NULL, amount numeric(12,2) NOT NULL,"
            + " note text, created timestamptz NOT NULL)";
    /** Ten changes: six updates, two inserts, two deletes. */
    static final String MIXED_PATTERN = "IUUDUUIUDU";

    private final Backlog backlog;

    BacklogWriter(Backlog backlog) {
        this.backlog = backlog;
    }

    /** How many rows the seed has: what a follower must have applied before the backlog. */
    int seedRows() {
        return backlog.workload() == Workload.MIXED ? backlog.rows() : 1;
    }

    /** Writes the seed in one transaction: N rows for a mixed backlog, else one row (id -1). */
    void seed(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            if (backlog.workload() == Workload.MIXED) {
                st.execute("INSERT INTO items SELECT g, g % 1000, (g % 100000) / 100.0, 'seed row ' || g, now()"
                        + " FROM generate_series(0, " + (backlog.rows() - 1) + ") g");
            } else {
                st.execute("INSERT INTO items VALUES (-1, 0, 0, 'first', now())");
            }
        }
    }

    /** Writes the backlog, committing every T changes, and returns the leader's rate in changes per second. */
    double write(Connection c) throws SQLException {
        long t0 = System.nanoTime();
        if (!c.getMetaData().getURL().startsWith("jdbc:mariadb:")) {
            try (Statement st = c.createStatement()) {
                st.execute("SET synchronous_commit = off"); // the backlog is only input; replication reads the WAL all the same
            }
        }
        c.setAutoCommit(false);
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO items VALUES (?, ?, ?, ?, now())");
             PreparedStatement update = c.prepareStatement("UPDATE items SET amount = amount + 1, note = ? WHERE id = ?");
             PreparedStatement delete = c.prepareStatement("DELETE FROM items WHERE id = ?")) {
            int n = backlog.rows();
            long inserted = 0;
            long deleted = 0;
            long updated = 0;
            long updateBase = (long) (n * 0.3);
            long updateSpan = n - updateBase;
            for (int i = 0; i < n; i++) {
                char kind = kindOf(i);
                if (kind == 'I') {
                    long id = firstInsertedId() + inserted++;
                    insert.setLong(1, id);
                    insert.setInt(2, (int) (id % 1000));
                    insert.setBigDecimal(3, BigDecimal.valueOf(id % 100_000, 2));
                    insert.setString(4, "row " + id + " of the backlog");
                    insert.addBatch(); // sent at the commit; the other kinds go one by one, interleaved as written
                    if (backlog.workload() == Workload.MIXED) {
                        insert.executeBatch();
                    }
                } else if (kind == 'U') {
                    update.setString(1, "update " + updated);
                    update.setLong(2, updateBase + (updated++ * 7919) % updateSpan);
                    update.executeUpdate();
                } else {
                    delete.setLong(1, deleted++);
                    delete.executeUpdate();
                }
                if ((i + 1) % backlog.rowsPerTransaction() == 0 || i == n - 1) {
                    insert.executeBatch();
                    c.commit();
                }
            }
        }
        c.setAutoCommit(true);
        return backlog.rows() / ((System.nanoTime() - t0) / 1e9);
    }

    private char kindOf(int i) {
        if (backlog.workload() == Workload.INSERTS || i == 0 || i == backlog.rows() - 1) {
            return 'I';
        }
        return MIXED_PATTERN.charAt(i % MIXED_PATTERN.length());
    }

    private long firstInsertedId() {
        return backlog.workload() == Workload.MIXED ? backlog.rows() : 0;
    }

    private long lastInsertedId() {
        long inserts = 0;
        for (int i = 0; i < backlog.rows(); i++) {
            inserts += kindOf(i) == 'I' ? 1 : 0;
        }
        return firstInsertedId() + inserts - 1;
    }

    /**
     * How far the backlog has arrived in a copy of the table: 0 before its first change, 1 from
     * then on, N once the last change is there. That is all {@link Timing#measure} needs.
     */
    Timing.Progress progressIn(Connection follower) {
        long first = firstInsertedId();
        long last = lastInsertedId();
        return () -> {
            try (Statement st = follower.createStatement();
                 ResultSet rs = st.executeQuery("SELECT (SELECT count(*) FROM items WHERE id = " + first + "),"
                         + " (SELECT count(*) FROM items WHERE id = " + last + ")")) {
                rs.next();
                return rs.getLong(2) > 0 ? backlog.rows() : rs.getLong(1);
            } catch (SQLException e) {
                if ("42P01".equals(e.getSQLState())) {
                    return 0; // the applier has not created the table yet
                }
                throw e;
            }
        };
    }

    /** The number of rows in a copy of the table; 0 while it does not exist. */
    static long count(Connection c) throws SQLException {
        return count(c, "");
    }

    /** The rows of the table that match {@code where} (a SQL condition after WHERE, or empty for all); 0 before it exists. */
    static long count(Connection c, String where) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM items" + (where.isEmpty() ? "" : " WHERE " + where))) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                return 0;
            }
            throw e;
        }
    }
}
