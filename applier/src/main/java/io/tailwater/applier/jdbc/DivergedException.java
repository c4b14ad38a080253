package io.tailwater.applier.jdbc;

import java.sql.SQLException;

/** The follower lacks a row the leader updated or deleted, and the follower is set to stop on that. */
final class DivergedException extends SQLException {
    private final long offset;

    DivergedException(long offset, String message) {
        super(message);
        this.offset = offset;
    }

    long offset() {
        return offset;
    }
}
