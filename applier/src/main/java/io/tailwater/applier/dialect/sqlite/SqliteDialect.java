package io.tailwater.applier.dialect.sqlite;

import io.tailwater.applier.dialect.CanonicalValues;
import io.tailwater.applier.dialect.Dialect;
import io.tailwater.schemas.Column;
import io.tailwater.schemas.TableId;
import org.jooq.Name;
import org.jooq.SQLDialect;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Properties;

/**
 * SQLite followers. SQLite has no schemas: a table of the leader's {@code public} schema keeps
 * its name, any other becomes {@code <schema>_<table>}. Where SQLite has no equivalent type the
 * value is stored losslessly as text:
 * decimals as plain decimal text, dates {@code 2024-01-31}, times {@code 13:45:00.123456},
 * timestamps {@code 2024-01-31 13:45:00.123456}, timestamptz in UTC as {@code 2024-01-31T13:45:00.123456Z},
 * uuid as 36 characters, json, arrays (JSON) and intervals (ISO-8601) as text; booleans are 0/1;
 * a NaN float as the text {@code NaN} (SQLite turns a NaN REAL into NULL); a negative zero is
 * refused, since a REAL column keeps it as 0 (a text column through {@code column-types} holds it);
 * NaN and infinite
 * decimals, infinite dates and 24:00:00 as PostgreSQL spells them; other leader types as their text.
 */
public final class SqliteDialect implements Dialect {
    private static final DateTimeFormatter INSTANT = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
            .withZone(java.time.ZoneOffset.UTC);

    @Override
    public SQLDialect jooqDialect() {
        return SQLDialect.SQLITE;
    }

    @Override
    public Name tableName(TableId t) {
        return Dialect.schemalessName(t);
    }

    @Override
    public String columnType(Column c) {
        return switch (c.type()) {
            case BOOLEAN, INT16, INT32, INT64 -> "INTEGER";
            case FLOAT32, FLOAT64 -> "REAL";
            case BYTES -> "BLOB";
            default -> "TEXT";
        };
    }

    @Override
    public Object bind(Column c, Object v) throws SQLException {
        if (v instanceof io.tailwater.schemas.Special s) {
            return s.text(); // stored as text, as every decimal and temporal value here
        }
        return switch (c.type()) {
            case BOOLEAN -> ((Boolean) v) ? 1 : 0;
            case FLOAT32, FLOAT64 -> {
                double d = ((Number) v).doubleValue();
                if (d == 0 && Double.doubleToRawLongBits(d) != 0) {
                    // stored as the integer 0, even when sent as text: a REAL column converts numeric text
                    throw Dialect.cannotHold("SQLite", c, v, "a REAL column keeps -0.0 as 0");
                }
                yield Double.isNaN(d) ? "NaN" : v; // SQLite turns a NaN REAL into NULL: kept as text
            }
            case DECIMAL, NUMERIC -> ((BigDecimal) v).toPlainString();
            case DATE -> v.toString();
            case TIME -> CanonicalValues.time((LocalTime) v);
            case TIMESTAMP -> CanonicalValues.timestamp((LocalDateTime) v);
            case TIMESTAMPTZ -> INSTANT.format((Instant) v);
            case UUID -> v.toString();
            default -> v;
        };
    }

    @Override
    public String canonical(ResultSet rs, int i, Column c) throws SQLException {
        return switch (c.type()) {
            case BOOLEAN -> CanonicalValues.bool(rs.getInt(i) != 0, rs.wasNull());
            case INT16, INT32, INT64 -> {
                long v = rs.getLong(i);
                yield rs.wasNull() ? null : Long.toString(v);
            }
            case FLOAT32, FLOAT64 -> {
                Object o = rs.getObject(i);
                if (o == null || o instanceof String) {
                    yield (String) o; // NaN, kept as text
                }
                double v = ((Number) o).doubleValue();
                yield c.type() == io.tailwater.schemas.ColumnType.FLOAT32 ? Float.toString((float) v) : Double.toString(v);
            }
            case BYTES -> CanonicalValues.bytes(rs.getBytes(i));
            default -> CanonicalValues.fromText(c, rs.getString(i));
        };
    }

    @Override
    public String nullSafeEquals(Column c, String quoted) {
        return quoted + " IS ?";
    }

    /** SQLite cannot alter a column's nullability: its copies do not enforce NOT NULL on non-key columns. */
    @Override
    public boolean canDropNotNull() {
        return false;
    }

    @Override
    public Properties connectionProperties() {
        Properties p = new Properties();
        p.setProperty("busy_timeout", "10000");
        return p;
    }

    @Override
    public void configure(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA synchronous=NORMAL");
        }
    }

    @Override
    public boolean isTransientState(SQLException e) {
        return e.getErrorCode() == 5 || e.getErrorCode() == 6 || Dialect.super.isTransientState(e); // SQLITE_BUSY, SQLITE_LOCKED
    }
}
