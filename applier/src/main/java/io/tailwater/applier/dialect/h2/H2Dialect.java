package io.tailwater.applier.dialect.h2;

import io.tailwater.applier.dialect.CanonicalValues;
import io.tailwater.applier.dialect.Dialect;
import io.tailwater.schemas.Column;
import org.jooq.SQLDialect;

import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * H2 followers. Schemas are kept. Unconstrained numeric becomes {@code DECFLOAT} (exact, any
 * scale); json, jsonb and intervals are kept as text (the log's JSON text and ISO-8601 interval),
 * because H2's JSON type would re-encode the text and its intervals cannot mix months and time.
 */
public final class H2Dialect implements Dialect {

    @Override
    public SQLDialect jooqDialect() {
        return SQLDialect.H2;
    }

    @Override
    public String columnType(Column c) {
        String source = c.sourceTypeName();
        return switch (c.type()) {
            case BOOLEAN -> "BOOLEAN";
            case INT16 -> "SMALLINT";
            case INT32 -> "INTEGER";
            case INT64 -> "BIGINT";
            case FLOAT32 -> "REAL";
            case FLOAT64 -> "DOUBLE PRECISION";
            case DECIMAL -> "NUMERIC(" + c.length() + "," + c.scale() + ")";
            case NUMERIC -> "DECFLOAT";
            case STRING -> switch (source) {
                case "VARCHAR" -> c.length() > 0 ? "CHARACTER VARYING(" + c.length() + ")" : "CHARACTER VARYING";
                case "BPCHAR", "CHAR" -> c.length() > 0 ? "CHARACTER(" + c.length() + ")" : "CHARACTER VARYING";
                default -> "CHARACTER VARYING";
            };
            case JSON, INTERVAL, ARRAY, LEADER_TEXT -> "CHARACTER VARYING";
            case BYTES -> "BINARY LARGE OBJECT";
            case DATE -> "DATE";
            case TIME -> "TIME(6)";
            case TIMESTAMP -> "TIMESTAMP(6)";
            case TIMESTAMPTZ -> "TIMESTAMP(6) WITH TIME ZONE";
            case UUID -> "UUID";
        };
    }


    @Override
    public String textType() {
        return "CHARACTER VARYING";
    }

    /** DECFLOAT holds NaN and infinities; H2's NUMERIC(p,s), DATE, TIME and TIMESTAMP types do not. */
    @Override
    public Object bind(Column c, Object v) throws java.sql.SQLException {
        if (v instanceof io.tailwater.schemas.Special s) {
            if (c.type() == io.tailwater.schemas.ColumnType.NUMERIC) {
                return s.text();
            }
            throw Dialect.cannotHold("H2", c, v, "its " + columnType(c) + " type has no such value");
        }
        return Dialect.super.bind(c, v);
    }

    /** H2's own upsert: {@code MERGE INTO t (..) KEY (..) VALUES (..)}. */
    @Override
    public String upsert(String table, java.util.List<String> columns, java.util.List<String> keys) {
        return "MERGE INTO " + table + " (" + String.join(", ", columns) + ") KEY (" + String.join(", ", keys) + ") VALUES ("
                + String.join(", ", java.util.Collections.nCopies(columns.size(), "?")) + ")";
    }

    @Override
    public String rowId() {
        return "_ROWID_";
    }

    @Override
    public String dropNotNull(String table, String column) {
        return "ALTER TABLE " + table + " ALTER COLUMN " + column + " SET NULL";
    }

    @Override
    public String canonical(ResultSet rs, int i, Column c) throws SQLException {
        return CanonicalValues.read(rs, i, c);
    }
}
