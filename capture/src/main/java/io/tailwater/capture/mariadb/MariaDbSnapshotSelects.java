package io.tailwater.capture.mariadb;

import io.tailwater.capture.LeaderConnections;
import io.tailwater.capture.LeaderNotReadyException;
import io.tailwater.config.LeaderConfig;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The initial snapshot's {@code SELECT} of each table with DATE, DATETIME or TIMESTAMP columns,
 * for Debezium's {@code snapshot.select.statement.overrides}: those columns are read as the
 * server's text ({@code CAST(... AS CHAR)}). MariaDB Connector/J decodes them through a
 * {@code ZonedDateTime} in the JVM's zone, whatever it is asked for (even {@code getString}), and
 * so moves a DATETIME in that zone's DST gap; as text they reach the converter as the leader
 * holds them. The other columns, and the order, are the table's.
 */
public final class MariaDbSnapshotSelects {
    private static final Set<String> TEMPORAL = Set.of("date", "datetime", "timestamp");

    private MariaDbSnapshotSelects() {
    }

    /** The statements by {@code database.table}, for the tables that need one. */
    public static Map<String, String> of(LeaderConfig leader, List<String> tables, Duration timeout) {
        Map<String, String> selects = new LinkedHashMap<>();
        try (Connection c = MariaDbLeaderChecks.connect(leader, timeout); PreparedStatement ps = c.prepareStatement(
                "SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?"
                        + " ORDER BY ORDINAL_POSITION")) {
            for (String table : tables) {
                int dot = table.indexOf('.');
                ps.setString(1, table.substring(0, dot));
                ps.setString(2, table.substring(dot + 1));
                List<String> columns = new ArrayList<>();
                boolean temporal = false;
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String name = quote(rs.getString(1));
                        if (TEMPORAL.contains(rs.getString(2).toLowerCase(Locale.ROOT))) {
                            temporal = true;
                            columns.add("CAST(" + name + " AS CHAR) AS " + name);
                        } else {
                            columns.add(name);
                        }
                    }
                }
                if (temporal) {
                    selects.put(table, "SELECT " + String.join(", ", columns) + " FROM " + quote(table.substring(0, dot)) + "."
                            + quote(table.substring(dot + 1)));
                }
            }
            return selects;
        } catch (SQLException e) {
            throw new LeaderNotReadyException("cannot read the columns of the MariaDB leader's tables at "
                    + LeaderConnections.hostPart(leader.jdbcUrl()) + ": " + e.getMessage(), new SQLException(e.getMessage(), "08006", e));
        }
    }

    private static String quote(String identifier) {
        return "`" + identifier.replace("`", "``") + "`";
    }
}
