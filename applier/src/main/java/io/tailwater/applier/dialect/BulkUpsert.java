package io.tailwater.applier.dialect;

import io.tailwater.schemas.Column;
import io.tailwater.schemas.TableSchema;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * A follower's fastest correct way to upsert many whole rows of one table in the current
 * transaction, where that is not a multi-row statement: DuckDB's appender into a staging table,
 * then one {@code INSERT OR REPLACE ... SELECT}. One per follower connection; used by one thread.
 */
public interface BulkUpsert {
    /** Binds a value as the dialect does, refusing one the follower cannot hold with the way forward. */
    interface Binder {
        Object bind(Column column, Object value) throws SQLException;
    }

    /**
     * Upserts {@code rows} (whole images in the leader's column order, at most one per key) into
     * {@code table}, which the follower holds with the dialect's own column types.
     *
     * @param conn the follower connection, in its open transaction
     * @param quotedTable the follower table's quoted name
     * @param quotedColumns the quoted column names, in the leader's column order
     * @param binder binds each non-null value first, as a statement's parameter would be bound
     * @throws SQLException as a statement would, including the refusal of a value the follower cannot hold
     */
    void upsert(Connection conn, TableSchema table, String quotedTable, List<String> quotedColumns, List<Object[]> rows, Binder binder)
            throws SQLException;
}
