package io.tailwater.applier;

/** Why an applier stopped; the message names the follower, the log offset and what to do. */
public final class ApplierException extends RuntimeException {
    private final long offset;

    public ApplierException(String message, long offset, Throwable cause) {
        super(message, cause);
        this.offset = offset;
    }

    /** The log offset at fault, or -1 when the failure is not about one record. */
    public long offset() {
        return offset;
    }
}
