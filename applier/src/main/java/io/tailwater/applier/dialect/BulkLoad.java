package io.tailwater.applier.dialect;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * A follower's fastest way to write many whole rows into a table that holds none of their keys
 * (a load from the snapshot into emptied tables): PostgreSQL's {@code COPY}. One per follower
 * connection; used by one thread.
 */
public interface BulkLoad {
    /**
     * Whether a bound value (as {@link Dialect#bind} gives it, or the text of a text column) has
     * an exact text form here. A row with one that has not goes by the ordinary path.
     */
    boolean copyable(Object boundValue);

    /**
     * Writes {@code rows} (bound values in the leader's column order, null for SQL NULL, each
     * {@link #copyable}) into {@code table}, in the connection's open transaction.
     */
    void load(Connection conn, String quotedTable, List<String> quotedColumns, List<Object[]> rows) throws SQLException;
}
