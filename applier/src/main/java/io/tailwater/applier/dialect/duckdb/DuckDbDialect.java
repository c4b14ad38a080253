package io.tailwater.applier.dialect.duckdb;

import io.tailwater.applier.dialect.BulkUpsert;
import io.tailwater.applier.dialect.CanonicalValues;
import io.tailwater.applier.dialect.Dialect;
import io.tailwater.schemas.Column;
import io.tailwater.schemas.ColumnType;
import io.tailwater.schemas.Special;
import org.jooq.SQLDialect;

import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.Optional;

/**
 * DuckDB followers. Schemas are kept. DuckDB decimals stop at 38 digits, so unconstrained numeric
 * is kept as plain decimal text; json, jsonb and intervals are text (the log's JSON text and
 * ISO-8601 interval); char(n) becomes VARCHAR. Column types are written by hand (jOOQ renders
 * some DuckDB temporal types wrongly in DDL).
 */
public final class DuckDbDialect implements Dialect {

    @Override
    public SQLDialect jooqDialect() {
        return SQLDialect.DUCKDB;
    }

    @Override
    public String columnType(Column c) {
        return switch (c.type()) {
            case BOOLEAN -> "BOOLEAN";
            case INT16 -> "SMALLINT";
            case INT32 -> "INTEGER";
            case INT64 -> "BIGINT";
            case FLOAT32 -> "REAL";
            case FLOAT64 -> "DOUBLE";
            case DECIMAL -> c.length() <= 38 ? "DECIMAL(" + c.length() + "," + c.scale() + ")" : "VARCHAR";
            case NUMERIC, STRING, JSON, INTERVAL, ARRAY, LEADER_TEXT -> "VARCHAR";
            case BYTES -> "BLOB";
            case DATE -> "DATE";
            case TIME -> "TIME";
            case TIMESTAMP -> "TIMESTAMP";
            case TIMESTAMPTZ -> "TIMESTAMPTZ";
            case UUID -> "UUID";
        };
    }

    /** The appender into a staging table: five times the rows per second of multi-row upserts here. */
    @Override
    public Optional<BulkUpsert> bulkUpsert() {
        return Optional.of(new DuckDbAppenderUpsert());
    }

    @Override
    public String textType() {
        return "VARCHAR";
    }

    /** NaN and infinities only where the column is text; DuckDB's DECIMAL, DATE, TIME and TIMESTAMP types take no special values here. */
    @Override
    public Object bind(Column c, Object v) throws SQLException {
        if (v instanceof Special s) {
            if (c.type() == ColumnType.NUMERIC || c.type() == ColumnType.DECIMAL && c.length() > 38) {
                return s.text();
            }
            throw Dialect.cannotHold("DuckDB", c, v, "this column's " + columnType(c) + " type has no such value");
        }
        return switch (c.type()) {
            case NUMERIC -> ((BigDecimal) v).toPlainString();
            case DECIMAL -> c.length() <= 38 ? v : ((BigDecimal) v).toPlainString();
            case TIME -> CanonicalValues.time((LocalTime) v);
            case TIMESTAMP -> CanonicalValues.timestamp((LocalDateTime) v);
            case UUID -> v.toString();
            default -> Dialect.super.bind(c, v);
        };
    }

    /** Timestamps as DuckDB's text: its JDBC driver reads them through a {@code java.sql.Timestamp} in the JVM's zone. */
    @Override
    public String selectExpression(Column column, String quoted) {
        return column.type() == ColumnType.TIMESTAMP ? "CAST(" + quoted + " AS VARCHAR)" : quoted;
    }

    @Override
    public String canonical(ResultSet rs, int i, Column c) throws SQLException {
        return switch (c.type()) {
            case NUMERIC, TIME, TIMESTAMP -> CanonicalValues.fromText(c, rs.getString(i));
            default -> CanonicalValues.read(rs, i, c);
        };
    }
}
