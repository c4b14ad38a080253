package io.tailwater.applier.dialect.duckdb;

import io.tailwater.applier.dialect.BulkUpsert;
import io.tailwater.schemas.Column;
import io.tailwater.schemas.TableSchema;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * DuckDB's fast path for many rows: its appender writes them into a temporary staging table with
 * the follower table's own column types, and one {@code INSERT OR REPLACE ... SELECT} moves them
 * into the table, in the open transaction. Prepared multi-row upserts bind every parameter
 * through JDBC and run at a fifth of the speed. Values go through the statement path's binding
 * first, so the same values are refused with the same advice, and are appended as java.time values
 * (the appender converts them to DuckDB's epoch counts without any time zone).
 */
final class DuckDbAppenderUpsert implements BulkUpsert {
    /** The staging table of each table version, by identity: made once per connection. */
    private final Map<TableSchema, String> stages = new IdentityHashMap<>();

    DuckDbAppenderUpsert() {
    }

    @Override
    public void upsert(Connection conn, TableSchema table, String quotedTable, List<String> quotedColumns, List<Object[]> rows,
                       Binder binder) throws SQLException {
        String columns = String.join(", ", quotedColumns);
        String stage = stages.get(table);
        try (Statement st = conn.createStatement()) {
            if (stage == null) {
                stage = "tailwater_stage_" + (stages.size() + 1);
                st.execute("CREATE OR REPLACE TEMP TABLE \"" + stage + "\" AS SELECT " + columns + " FROM " + quotedTable + " LIMIT 0");
                stages.put(table, stage);
            }
            List<Column> cols = table.columns();
            try (DuckDBAppender appender = conn.unwrap(DuckDBConnection.class).createAppender("temp", "main", stage)) {
                for (Object[] row : rows) {
                    appender.beginRow();
                    for (int i = 0; i < row.length; i++) {
                        append(appender, cols.get(i), row[i], binder);
                    }
                    appender.endRow();
                }
            }
            boolean onlyKey = table.identityIndexes().length == cols.size();
            st.executeUpdate("INSERT OR " + (onlyKey ? "IGNORE" : "REPLACE") + " INTO " + quotedTable + " (" + columns + ") SELECT " + columns
                    + " FROM \"" + stage + "\"");
            st.executeUpdate("DELETE FROM \"" + stage + "\"");
        } catch (SQLException | RuntimeException e) {
            stages.remove(table); // the group rolls back, and with it a staging table made in its transaction
            throw e;
        }
    }

    private static void append(DuckDBAppender a, Column c, Object v, Binder binder) throws SQLException {
        if (v == null) {
            a.appendNull();
            return;
        }
        Object bound = binder.bind(c, v); // refuses what DuckDB's type cannot hold; numeric and wide decimals become text
        switch (c.type()) {
            case BOOLEAN -> a.append((Boolean) bound);
            case INT16 -> a.append(((Integer) bound).shortValue());
            case INT32 -> a.append((Integer) bound);
            case INT64 -> a.append((Long) bound);
            case FLOAT32 -> a.append((Float) bound);
            case FLOAT64 -> a.append((Double) bound);
            case DECIMAL -> {
                if (bound instanceof BigDecimal d) {
                    a.append(d);
                } else {
                    a.append((String) bound);
                }
            }
            case BYTES -> a.append((byte[]) bound);
            case DATE -> a.append((LocalDate) v);
            case TIME -> a.append((LocalTime) v);
            case TIMESTAMP -> a.append((LocalDateTime) v);
            case TIMESTAMPTZ -> a.append((OffsetDateTime) bound);
            case UUID -> a.append((UUID) v);
            case NUMERIC, STRING, JSON, INTERVAL, ARRAY, LEADER_TEXT -> a.append((String) bound);
        }
    }
}
