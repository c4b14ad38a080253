package io.tailwater.capture.mariadb;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The labels of a MariaDB ENUM or SET column, as the leader's {@code information_schema} lists
 * them. The binlog carries an ENUM value as its label's index and a SET value as a bitmask of
 * them, and the column Debezium hands a converter does not carry the labels; they are read when
 * Debezium (re)builds the table's schema, that is, after each change of its definition. Capture
 * registers one lookup per stream before starting Debezium, which creates the converter itself
 * and can hand it only strings.
 */
public final class MariaDbEnumOptions {
    private static final Map<String, Supplier<Connection>> BY_STREAM = new ConcurrentHashMap<>();

    private MariaDbEnumOptions() {
    }

    /** Makes the leader known to the converters of {@code stream}. */
    public static void register(String stream, Supplier<Connection> connections) {
        BY_STREAM.put(stream, connections);
    }

    public static void unregister(String stream) {
        BY_STREAM.remove(stream);
    }

    /** The labels of column {@code column} of {@code database.table}, in their order. */
    static List<String> of(String stream, String table, String column) {
        Supplier<Connection> connections = BY_STREAM.get(stream);
        if (connections == null) {
            throw new IllegalStateException("no MariaDB leader registered for stream '" + stream + "'");
        }
        int dot = table.indexOf('.');
        try (Connection c = connections.get(); PreparedStatement ps = c.prepareStatement(
                "SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = ?")) {
            ps.setString(1, table.substring(0, dot));
            ps.setString(2, table.substring(dot + 1));
            ps.setString(3, column);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("the MariaDB leader has no column \"" + column + "\" in " + table);
                }
                return parse(rs.getString(1));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the labels of column \"" + column + "\" of " + table + " from the MariaDB leader: "
                    + e.getMessage(), e);
        }
    }

    /** The labels of a column type such as {@code enum('a','b,c','it''s')}. */
    static List<String> parse(String columnType) {
        List<String> labels = new ArrayList<>();
        int i = columnType.indexOf('(');
        StringBuilder label = null;
        for (i = i + 1; i < columnType.length(); i++) {
            char ch = columnType.charAt(i);
            if (label == null) {
                if (ch == '\'') {
                    label = new StringBuilder();
                }
            } else if (ch == '\'' && i + 1 < columnType.length() && columnType.charAt(i + 1) == '\'') {
                label.append('\'');
                i++;
            } else if (ch == '\'') {
                labels.add(label.toString());
                label = null;
            } else if (ch == '\\' && i + 1 < columnType.length()) {
                label.append(columnType.charAt(++i));
            } else {
                label.append(ch);
            }
        }
        return List.copyOf(labels);
    }
}
