package io.tailwater.applier.dialect.postgres;

import io.tailwater.applier.dialect.CanonicalValues;
import io.tailwater.applier.dialect.Dialect;
import io.tailwater.schemas.Column;
import io.tailwater.schemas.ColumnType;
import org.jooq.SQLDialect;
import org.postgresql.util.PGInterval;

import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
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
    public String columnType(Column c) {
        String source = c.sourceTypeName();
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
            case ARRAY -> source.equals("_NUMERIC") && c.length() > 0 && c.scale() >= 0 ? "numeric(" + c.length() + "," + c.scale() + ")[]"
                    : switch (source) {
                case "_INT2", "_INT4", "_INT8", "_FLOAT4", "_FLOAT8", "_BOOL", "_TEXT", "_VARCHAR", "_BPCHAR", "_NUMERIC", "_UUID" ->
                        source.substring(1).toLowerCase(java.util.Locale.ROOT) + "[]";
                default -> "text[]"; // enum arrays: the follower has no such type; the labels are kept as text
            };
            case BYTES -> "bytea";
            case DATE -> "date";
            case TIME -> "time";
            case TIMESTAMP -> "timestamp";
            case TIMESTAMPTZ -> "timestamptz";
            case UUID -> "uuid";
        };
    }


    @Override
    public String rowId() {
        return "ctid";
    }

    /** json has no equality operator: compared as text. */
    @Override
    public String nullSafeEquals(Column c, String quoted) {
        return c.type() == ColumnType.JSON && c.sourceTypeName().equals("JSON") ? "CAST(" + quoted + " AS text) IS NOT DISTINCT FROM ?"
                : quoted + " IS NOT DISTINCT FROM ?";
    }

    @Override
    public Object bind(Column c, Object v) throws SQLException {
        return c.type() == ColumnType.ARRAY ? io.tailwater.schemas.JsonArrays.toPostgresLiteral((String) v) : Dialect.super.bind(c, v);
    }

    @Override
    public String canonical(ResultSet rs, int i, Column c) throws SQLException {
        if (c.type() == ColumnType.ARRAY) {
            java.sql.Array a = rs.getArray(i);
            return a == null ? null : io.tailwater.schemas.JsonArrays.write(java.util.Arrays.asList((Object[]) a.getArray()));
        }
        if (c.type() != ColumnType.INTERVAL) {
            return CanonicalValues.read(rs, i, c);
        }
        Object o = rs.getObject(i);
        if (!(o instanceof PGInterval v)) {
            return null;
        }
        return CanonicalValues.interval(v.getYears(), v.getMonths(), v.getDays(), v.getHours(), v.getMinutes(),
                BigDecimal.valueOf(v.getWholeSeconds()).add(BigDecimal.valueOf(v.getMicroSeconds(), 6)));
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
