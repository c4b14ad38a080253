package io.tailwater.applier.dialect.postgres;

import io.tailwater.applier.dialect.CanonicalValues;
import io.tailwater.applier.dialect.Dialect;
import io.tailwater.schemas.Column;
import io.tailwater.schemas.TableId;
import org.jooq.Name;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Properties;

/**
 * PostgreSQL followers. Every leader type has its own PostgreSQL type, so values round-trip
 * exactly; enum columns become {@code text}. Strings are sent untyped
 * ({@code stringtype=unspecified}) so the server casts them to uuid, json or interval.
 */
public final class PostgresDialect implements Dialect {

    @Override
    public SQLDialect jooqDialect() {
        return SQLDialect.POSTGRES;
    }

    @Override
    public Name tableName(TableId t) {
        return DSL.name(t.schema(), t.table());
    }

    @Override
    public String columnType(Column c) {
        String source = c.sourceType() == null ? "" : c.sourceType().toUpperCase(Locale.ROOT);
        return switch (c.type()) {
            case BOOLEAN -> "boolean";
            case INT16 -> "smallint";
            case INT32 -> "integer";
            case INT64 -> "bigint";
            case FLOAT32 -> "real";
            case FLOAT64 -> "double precision";
            case DECIMAL -> source.equals("MONEY") ? "numeric(" + Math.max(c.length(), 19) + "," + c.scale() + ")"
                    : "numeric(" + c.length() + "," + c.scale() + ")";
            case NUMERIC -> "numeric";
            case STRING -> switch (source) {
                case "VARCHAR" -> c.length() > 0 ? "varchar(" + c.length() + ")" : "varchar";
                case "BPCHAR", "CHAR" -> c.length() > 0 ? "char(" + c.length() + ")" : "char";
                default -> "text";
            };
            case JSON -> source.equals("JSON") ? "json" : "jsonb";
            case INTERVAL -> "interval";
            case BYTES -> "bytea";
            case DATE -> "date";
            case TIME -> "time";
            case TIMESTAMP -> "timestamp";
            case TIMESTAMPTZ -> "timestamptz";
            case UUID -> "uuid";
        };
    }

    @Override
    public Object bind(Column c, Object v) {
        return switch (c.type()) {
            case TIMESTAMPTZ -> OffsetDateTime.ofInstant((Instant) v, ZoneOffset.UTC);
            default -> v;
        };
    }

    @Override
    public String canonical(ResultSet rs, int i, Column c) throws SQLException {
        return switch (c.type()) {
            case BOOLEAN -> CanonicalValues.bool(rs.getBoolean(i), rs.wasNull());
            case INT16, INT32, INT64 -> {
                long v = rs.getLong(i);
                yield rs.wasNull() ? null : Long.toString(v);
            }
            case FLOAT32 -> {
                float v = rs.getFloat(i);
                yield rs.wasNull() ? null : Float.toString(v);
            }
            case FLOAT64 -> {
                double v = rs.getDouble(i);
                yield rs.wasNull() ? null : Double.toString(v);
            }
            case DECIMAL, NUMERIC -> CanonicalValues.decimal(rs.getBigDecimal(i));
            case STRING, JSON -> rs.getString(i);
            case INTERVAL -> {
                Object o = rs.getObject(i);
                org.postgresql.util.PGInterval v = o instanceof org.postgresql.util.PGInterval p ? p : null;
                yield v == null ? null : CanonicalValues.interval(v.getYears(), v.getMonths(), v.getDays(), v.getHours(), v.getMinutes(),
                        java.math.BigDecimal.valueOf(v.getWholeSeconds()).add(java.math.BigDecimal.valueOf(v.getMicroSeconds(), 6)));
            }
            case BYTES -> CanonicalValues.bytes(rs.getBytes(i));
            case DATE -> {
                LocalDate d = rs.getObject(i, LocalDate.class);
                yield d == null ? null : d.toString();
            }
            case TIME -> CanonicalValues.time(rs.getObject(i, LocalTime.class));
            case TIMESTAMP -> CanonicalValues.timestamp(rs.getObject(i, LocalDateTime.class));
            case TIMESTAMPTZ -> {
                OffsetDateTime t = rs.getObject(i, OffsetDateTime.class);
                yield t == null ? null : CanonicalValues.instant(t.toInstant());
            }
            case UUID -> {
                Object u = rs.getObject(i);
                yield u == null ? null : u.toString();
            }
        };
    }

    @Override
    public Properties connectionProperties() {
        Properties p = new Properties();
        p.setProperty("stringtype", "unspecified");
        p.setProperty("connectTimeout", "10");
        p.setProperty("logServerErrorDetail", "false"); // keep row values out of error messages and logs
        return p;
    }

}
