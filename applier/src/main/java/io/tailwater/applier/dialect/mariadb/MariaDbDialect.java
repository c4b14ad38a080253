package io.tailwater.applier.dialect.mariadb;

import io.tailwater.applier.dialect.CanonicalValues;
import io.tailwater.applier.dialect.Dialect;
import io.tailwater.schemas.Column;
import io.tailwater.schemas.ColumnType;
import io.tailwater.schemas.Special;
import io.tailwater.schemas.TableId;
import org.jooq.Name;
import org.jooq.SQLDialect;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Properties;

/**
 * MariaDB followers (tested with MariaDB 10.11). MariaDB has no schemas inside a database: a
 * table of the leader's {@code public} schema keeps its name, any other becomes
 * {@code <schema>_<table>}. Tables use {@code utf8mb4} with the {@code utf8mb4_nopad_bin}
 * collation, so keys that differ only in case or trailing spaces stay distinct, as on the leader.
 * <ul>
 *   <li>{@code numeric(p,s)} up to 65 digits and scale 38 is {@code DECIMAL(p,s)}; wider ones and
 *   unconstrained {@code numeric} are exact decimal text;</li>
 *   <li>{@code timestamptz} is {@code DATETIME(6)} holding UTC; {@code timestamp} is
 *   {@code DATETIME(6)}; {@code time} is {@code TIME(6)};</li>
 *   <li>text, json, intervals (ISO-8601), arrays (JSON) and enums are {@code LONGTEXT} (key columns
 *   {@code VARCHAR(768)}, the longest InnoDB can index); {@code bytea} is {@code LONGBLOB}
 *   ({@code VARBINARY(3072)} in keys); uuid is {@code CHAR(36)};</li>
 *   <li>{@code real} is {@code DOUBLE} (which holds every float exactly; MariaDB's {@code FLOAT} reads back
 *   with six digits);</li>
 *   <li>MariaDB's {@code FLOAT}/{@code DOUBLE} hold no NaN or infinity: such a value stops the
 *   follower with the offset, table and key, rather than being changed.</li>
 * </ul>
 * Not for MySQL 8 as it is: MySQL has no {@code utf8mb4_nopad_bin} collation (its
 * {@code utf8mb4_0900_bin} is the equivalent) and deprecates {@code VALUES()} in
 * {@code ON DUPLICATE KEY UPDATE}.
 */
public final class MariaDbDialect implements Dialect {
    /** Longest key text InnoDB indexes in utf8mb4 (3,072 bytes / 4). */
    private static final int KEY_CHARS = 768;

    @Override
    public SQLDialect jooqDialect() {
        return SQLDialect.MARIADB;
    }

    @Override
    public Name tableName(TableId t) {
        return Dialect.schemalessName(t);
    }

    @Override
    public String columnType(Column c) {
        return switch (c.type()) {
            case BOOLEAN -> "BOOLEAN";
            case INT16 -> "SMALLINT";
            case INT32 -> "INT";
            case INT64 -> "BIGINT";
            case FLOAT32, FLOAT64 -> "DOUBLE"; // every float is exactly a double; MariaDB prints FLOAT with 6 digits only
            case DECIMAL -> fitsDecimal(c) ? "DECIMAL(" + c.length() + "," + c.scale() + ")" : text(c);
            case NUMERIC, STRING, JSON, INTERVAL, ARRAY, LEADER_TEXT -> text(c);
            case BYTES -> c.key() ? "VARBINARY(3072)" : "LONGBLOB";
            case DATE -> "DATE";
            case TIME -> "TIME(6)";
            case TIMESTAMP, TIMESTAMPTZ -> "DATETIME(6)";
            case UUID -> "CHAR(36)";
        };
    }

    private static String text(Column c) {
        return c.key() ? "VARCHAR(" + KEY_CHARS + ")" : "LONGTEXT";
    }

    private static boolean fitsDecimal(Column c) {
        return c.length() > 0 && c.length() <= 65 && c.scale() >= 0 && c.scale() <= 38;
    }

    @Override
    public String textType() {
        return "LONGTEXT";
    }

    @Override
    public Object bind(Column c, Object v) throws SQLException {
        if (v instanceof Special s) {
            if (c.type() == ColumnType.NUMERIC || c.type() == ColumnType.DECIMAL && !fitsDecimal(c) || s == Special.END_OF_DAY) {
                return s.text(); // text columns, and TIME, which reaches 838:59:59
            }
            throw Dialect.cannotHold("MariaDB", c, v, "its " + columnType(c) + " type has no such value");
        }
        return switch (c.type()) {
            case DATE -> inYears(c, ((LocalDate) v).getYear(), v).toString();
            case FLOAT32 -> finite(c, ((Float) v).doubleValue(), v);
            case FLOAT64 -> finite(c, (Double) v, v);
            case DECIMAL -> fitsDecimal(c) ? v : ((BigDecimal) v).toPlainString();
            case NUMERIC -> ((BigDecimal) v).toPlainString();
            case TIME -> CanonicalValues.time((LocalTime) v);
            case TIMESTAMP -> CanonicalValues.timestamp((LocalDateTime) inYears(c, ((LocalDateTime) v).getYear(), v));
            case TIMESTAMPTZ -> {
                LocalDateTime utc = LocalDateTime.ofInstant((Instant) v, ZoneOffset.UTC);
                yield CanonicalValues.timestamp((LocalDateTime) inYears(c, utc.getYear(), utc));
            }
            case UUID -> v.toString();
            default -> v;
        };
    }

    private static Object finite(Column c, double d, Object v) throws SQLException {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            throw Dialect.cannotHold("MariaDB", c, d, "its FLOAT and DOUBLE have no NaN or infinity");
        }
        return v;
    }

    /** MariaDB's DATE and DATETIME hold the years 1 to 9999 (in strict mode). */
    private static Object inYears(Column c, int year, Object v) throws SQLException {
        if (year < 1 || year > 9999) {
            throw Dialect.cannotHold("MariaDB", c, v, "its DATE and DATETIME hold the years 1 to 9999");
        }
        return v;
    }

    /**
     * Dates and timestamps as the server's text: MariaDB Connector/J decodes them through a
     * {@code ZonedDateTime} in the JVM's zone, whatever it is asked for, and moves a DATETIME in
     * that zone's DST gap.
     */
    @Override
    public String selectExpression(Column column, String quoted) {
        return switch (column.type()) {
            case DATE, TIMESTAMP, TIMESTAMPTZ -> "CAST(" + quoted + " AS CHAR)";
            default -> quoted;
        };
    }

    @Override
    public String canonical(ResultSet rs, int i, Column c) throws SQLException {
        return switch (c.type()) {
            case DECIMAL, NUMERIC -> CanonicalValues.fromText(c, rs.getString(i));
            case FLOAT32 -> {
                double v = rs.getDouble(i);
                yield rs.wasNull() ? null : Float.toString((float) v);
            }
            case DATE -> rs.getString(i);
            case TIME -> CanonicalValues.fromText(c, rs.getString(i));
            case TIMESTAMP -> {
                String s = rs.getString(i);
                yield s == null ? null : CanonicalValues.timestamp(LocalDateTime.parse(s.replace(' ', 'T')));
            }
            case TIMESTAMPTZ -> {
                String s = rs.getString(i);
                yield s == null ? null : CanonicalValues.instant(LocalDateTime.parse(s.replace(' ', 'T')).toInstant(ZoneOffset.UTC));
            }
            case UUID -> rs.getString(i);
            default -> CanonicalValues.read(rs, i, c);
        };
    }

    /** {@code INSERT ... ON DUPLICATE KEY UPDATE c = VALUES(c)}; key-only tables update the key to itself. */
    @Override
    public String upsert(String table, List<String> columns, List<String> keys) {
        StringBuilder sql = new StringBuilder("INSERT INTO ").append(table).append(" (").append(String.join(", ", columns))
                .append(") VALUES (").append(String.join(", ", java.util.Collections.nCopies(columns.size(), "?")))
                .append(") ON DUPLICATE KEY UPDATE ");
        List<String> values = columns.stream().filter(c -> !keys.contains(c)).toList();
        if (values.isEmpty()) {
            values = List.of(keys.get(0));
        }
        for (int i = 0; i < values.size(); i++) {
            sql.append(i > 0 ? ", " : "").append(values.get(i)).append(" = VALUES(").append(values.get(i)).append(')');
        }
        return sql.toString();
    }

    @Override
    public String nullSafeEquals(Column c, String quoted) {
        return quoted + " <=> ?";
    }

    @Override
    public String deleteOne(String table, List<String> conditions) {
        return "DELETE FROM " + table + " WHERE " + String.join(" AND ", conditions) + " LIMIT 1";
    }

    @Override
    public String updateOne(String table, List<String> set, List<String> conditions) {
        return "UPDATE " + table + " SET " + String.join(", ", set.stream().map(c -> c + " = ?").toList()) + " WHERE "
                + String.join(" AND ", conditions) + " LIMIT 1";
    }

    /** MariaDB can make a column nullable only by restating its type: its copies do not enforce NOT NULL on non-key columns. */
    @Override
    public boolean canDropNotNull() {
        return false;
    }

    @Override
    public String tableOptions() {
        return " DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin";
    }

    /** MariaDB names hold at most 64 characters, none beyond U+FFFF (emoji), and do not end in a space. */
    @Override
    public void checkIdentifier(String name, String what) throws SQLException {
        String problem = name.codePoints().anyMatch(cp -> cp > 0xFFFF) ? "it has characters beyond U+FFFF (such as emoji)"
                : name.codePointCount(0, name.length()) > 64 ? "it is longer than 64 characters"
                : name.endsWith(" ") ? "it ends with a space" : null;
        if (problem != null) {
            throw new SQLDataException("MariaDB cannot name " + what + " as the leader does: " + problem + ". Rename it on the leader,"
                    + " or leave it out of the stream (leader.tables, or leader.debezium.column.exclude.list for a column)");
        }
    }

    @Override
    public Properties connectionProperties() {
        Properties p = new Properties();
        p.setProperty("useBulkStmts", "true");
        return p;
    }

    @Override
    public void configure(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("SET NAMES utf8mb4 COLLATE utf8mb4_nopad_bin");
            s.execute("SET SESSION time_zone = '+00:00'");
            s.execute("SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'");
        }
    }

    /** Also lock wait timeouts (1205), deadlocks (1213) and a server going away (2006, 2013, 1927). */
    @Override
    public boolean isTransientState(SQLException e) {
        int code = e.getErrorCode();
        return code == 1205 || code == 1213 || code == 2006 || code == 2013 || code == 1927 || Dialect.super.isTransientState(e);
    }

    private static String quoted(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }
}
