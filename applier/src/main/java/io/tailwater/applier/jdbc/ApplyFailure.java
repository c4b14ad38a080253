package io.tailwater.applier.jdbc;

/**
 * A change the follower refused for a reason a retry will not cure (constraint violation, a
 * value the column cannot hold, ...). Names the log offset, the table and the key.
 */
public final class ApplyFailure extends Exception {
    private final long offset;

    public ApplyFailure(long offset, String message, Throwable cause) {
        super(message, cause);
        this.offset = offset;
    }

    public long offset() {
        return offset;
    }
}
