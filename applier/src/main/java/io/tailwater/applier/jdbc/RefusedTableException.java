package io.tailwater.applier.jdbc;

import io.tailwater.schemas.TableId;

import java.sql.SQLException;

/**
 * The follower could not create or alter a table for the leader's table (a name it cannot
 * take, a type it has no room for). Carries the log offset of the first row that needed it.
 */
final class RefusedTableException extends SQLException {
    private final long offset;
    private final TableId table;

    RefusedTableException(long offset, TableId table, SQLException cause) {
        super(cause.getMessage(), cause.getSQLState(), cause.getErrorCode(), cause);
        this.offset = offset;
        this.table = table;
    }

    long offset() {
        return offset;
    }

    TableId table() {
        return table;
    }
}
