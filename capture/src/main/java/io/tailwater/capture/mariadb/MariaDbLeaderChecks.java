package io.tailwater.capture.mariadb;

import io.tailwater.schemas.mariadb.MariaDbKinds;
import io.tailwater.capture.LeaderConnections;
import io.tailwater.capture.LeaderNotReadyException;
import io.tailwater.config.LeaderConfig;
import io.tailwater.schemas.ColumnType;
import io.tailwater.schemas.TableId;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks at start that a MariaDB leader can be captured, changing nothing, and names the setting
 * to change when it cannot: the binlog on, {@code binlog_format=ROW},
 * {@code binlog_row_image=FULL}, the privileges capture needs (REPLICATION SLAVE, BINLOG MONITOR
 * (or REPLICATION CLIENT) and RELOAD, for the snapshot's short global read lock), a primary key
 * on every table of the stream, and only column types and character sets Tailwater carries
 * exactly.
 */
public final class MariaDbLeaderChecks {
    /** The tables an applier keeps in its follower; never captured, whatever leader.tables says. */
    public static final String OWN_TABLES = "tailwater_(position|skipped)";
    private static final Set<String> SYSTEM_SCHEMAS = Set.of("mysql", "information_schema", "performance_schema", "sys");

    private MariaDbLeaderChecks() {
    }

    /** Runs every check; returns the leader tables the stream's table list matches, as {@code database.table}. */
    public static List<String> check(LeaderConfig leader, Duration timeout) {
        try (Connection c = connect(leader, timeout)) {
            settings(c);
            privileges(c, leader);
            List<String> tables = matchingTables(c, leader);
            for (String table : tables) {
                columns(c, table);
            }
            return tables;
        } catch (SQLException e) {
            throw new LeaderNotReadyException("cannot check the MariaDB leader at " + LeaderConnections.hostPart(leader.jdbcUrl()) + ": " + e.getMessage(), e);
        }
    }

    private static void settings(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT @@log_bin, @@binlog_format, @@binlog_row_image, @@server_id")) {
            rs.next();
            if (!rs.getBoolean(1)) {
                throw new LeaderNotReadyException("the MariaDB leader's binlog is off (log_bin = OFF); start it with log_bin (in the"
                        + " [mariadbd] section: log_bin, binlog_format = ROW, binlog_row_image = FULL and a server_id), then start capture");
            }
            if (!"ROW".equalsIgnoreCase(rs.getString(2))) {
                throw new LeaderNotReadyException("the MariaDB leader's binlog_format is '" + rs.getString(2) + "'; capture needs ROW:"
                        + " set binlog_format = ROW in the server's config (and SET GLOBAL binlog_format = 'ROW'), then start capture");
            }
            if (!"FULL".equalsIgnoreCase(rs.getString(3))) {
                throw new LeaderNotReadyException("the MariaDB leader's binlog_row_image is '" + rs.getString(3) + "'; capture needs"
                        + " FULL: set binlog_row_image = FULL in the server's config (and SET GLOBAL binlog_row_image = 'FULL'), then"
                        + " start capture");
            }
        }
    }

    private static void privileges(Connection c, LeaderConfig leader) throws SQLException {
        Set<String> granted = new HashSet<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("""
                SELECT PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES
                WHERE GRANTEE = CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')""")) {
            while (rs.next()) {
                granted.add(rs.getString(1).toUpperCase(Locale.ROOT));
            }
        }
        List<String> missing = new ArrayList<>();
        for (String needed : List.of("REPLICATION SLAVE", "RELOAD")) {
            if (!granted.contains(needed)) {
                missing.add(needed);
            }
        }
        if (!granted.contains("BINLOG MONITOR") && !granted.contains("REPLICATION CLIENT") && !granted.contains("SUPER")) {
            missing.add("BINLOG MONITOR");
        }
        if (!missing.isEmpty()) {
            throw new LeaderNotReadyException("the MariaDB leader user '" + leader.user() + "' lacks " + String.join(", ", missing)
                    + "; run GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, BINLOG MONITOR ON *.* TO <user> on the leader");
        }
    }

    /** The leader tables the stream's table list matches, as {@code database.table}; each must have a primary key. */
    public static List<String> matchingTables(Connection c, LeaderConfig leader) throws SQLException {
        List<Pattern> patterns = leader.tables().stream().map(t -> Pattern.compile(LeaderConfig.tablePattern(t))).toList();
        Pattern own = Pattern.compile(OWN_TABLES);
        Map<String, Boolean> keyed = new LinkedHashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("""
                SELECT t.TABLE_SCHEMA, t.TABLE_NAME, EXISTS (SELECT 1 FROM information_schema.TABLE_CONSTRAINTS k
                    WHERE k.TABLE_SCHEMA = t.TABLE_SCHEMA AND k.TABLE_NAME = t.TABLE_NAME AND k.CONSTRAINT_TYPE = 'PRIMARY KEY')
                FROM information_schema.TABLES t WHERE t.TABLE_TYPE = 'BASE TABLE' ORDER BY 1, 2""")) {
            while (rs.next()) {
                String schema = rs.getString(1);
                String table = rs.getString(2);
                String qualified = schema + "." + table;
                if (!SYSTEM_SCHEMAS.contains(schema.toLowerCase(Locale.ROOT)) && !own.matcher(table).matches()
                        && patterns.stream().anyMatch(p -> p.matcher(qualified).matches())) {
                    keyed.put(qualified, rs.getBoolean(3));
                }
            }
        }
        for (Map.Entry<String, Boolean> t : keyed.entrySet()) {
            if (!t.getValue()) {
                throw new LeaderNotReadyException("table " + TableId.parse(t.getKey()) + " on the MariaDB leader has no primary key; capture needs one"
                        + " on every table of the stream to find its rows on the followers. Add one (ALTER TABLE ... ADD PRIMARY KEY"
                        + " (...)), or leave the table out of leader.tables, then start capture");
            }
        }
        return List.copyOf(keyed.keySet());
    }

    /** Refuses columns of types and character sets Tailwater cannot carry exactly, naming table and column. */
    private static void columns(Connection c, String table) throws SQLException {
        int dot = table.indexOf('.');
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, NUMERIC_PRECISION, CHARACTER_SET_NAME FROM information_schema.COLUMNS
                WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION""")) {
            ps.setString(1, table.substring(0, dot));
            ps.setString(2, table.substring(dot + 1));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String column = "column \"" + rs.getString(1).replace("\"", "\"\"") + "\" of table " + TableId.parse(table);
                    String columnType = rs.getString(3).toUpperCase(Locale.ROOT);
                    String typeName = rs.getString(2) + (columnType.contains("UNSIGNED") ? " UNSIGNED" : "");
                    int length = rs.getObject(4) == null ? -1 : rs.getInt(4);
                    MariaDbKinds.Kind kind = MariaDbKinds.of(typeName, length);
                    if (kind == null) {
                        throw new LeaderNotReadyException(column + " is of type " + columnType + ", which Tailwater does not replicate"
                                + " from MariaDB (spatial, INET4, INET6 and vector types are not supported). Leave the column out with"
                                + " leader.debezium.column.exclude.list, or the table out of leader.tables, then start capture");
                    }
                    String charset = rs.getString(5);
                    if (charset != null && kind.type() == ColumnType.STRING && MariaDbCharsets.of(charset) == null) {
                        throw new LeaderNotReadyException(column + " uses the character set '" + charset + "', which Tailwater cannot"
                                + " decode exactly (it reads " + MariaDbCharsets.SUPPORTED + "). Convert the column (ALTER TABLE ..."
                                + " MODIFY ... CHARACTER SET utf8mb4), or leave it out, then start capture");
                    }
                }
            }
        }
    }

    /** The binlog files the leader still has ({@code SHOW BINARY LOGS}), oldest first. */
    public static List<String> binlogFiles(LeaderConfig leader, Duration timeout) {
        try (Connection c = connect(leader, timeout); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW BINARY LOGS")) {
            List<String> files = new ArrayList<>();
            while (rs.next()) {
                files.add(rs.getString(1));
            }
            return files;
        } catch (SQLException e) {
            throw new LeaderNotReadyException("cannot list the binlogs of the MariaDB leader at " + LeaderConnections.hostPart(leader.jdbcUrl()) + ": "
                    + e.getMessage(), new SQLException(e.getMessage(), "08006", e));
        }
    }

    /** A connection to the leader, tried again with backoff until {@code timeout}; a refused login is not tried again. */
    public static Connection connect(LeaderConfig leader, Duration timeout) {
        Properties p = new Properties();
        p.setProperty("connectTimeout", "5000");
        return LeaderConnections.connect(leader, p, timeout, true, "MariaDB", e -> switch (e.getErrorCode()) {
            case 1045 -> "the MariaDB leader refused user '" + leader.user() + "': " + e.getMessage() + "; check leader.user and leader.password";
            case 1049 -> "the leader database does not exist: " + e.getMessage() + "; check leader.jdbc-url";
            default -> null;
        });
    }
}
