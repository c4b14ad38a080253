package io.tailwater.capture;

import io.tailwater.config.LeaderConfig;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * Which PostgreSQL database a connection reaches: the server (by its start time and port) and
 * the database's oid and name. Two configured URLs that reach the same database have equal
 * identities, however differently they name the host.
 */
public record LeaderIdentity(String serverStart, int port, long databaseOid, String database) {

    /** Asks the database; throws {@link LeaderNotReadyException} when it does not answer within {@code timeout}. */
    public static LeaderIdentity read(LeaderConfig db, Duration timeout) {
        try (Connection c = LeaderChecks.connect(db, timeout, false); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_postmaster_start_time()::text, current_setting('port')::int, d.oid, d.datname"
                     + " FROM pg_database d WHERE d.datname = current_database()")) {
            rs.next();
            return new LeaderIdentity(rs.getString(1), rs.getInt(2), rs.getLong(3), rs.getString(4));
        } catch (SQLException e) {
            throw new LeaderNotReadyException("cannot ask the database at " + LeaderConnections.hostPart(db.jdbcUrl()) + " which it is: "
                    + e.getMessage(), e);
        }
    }
}
