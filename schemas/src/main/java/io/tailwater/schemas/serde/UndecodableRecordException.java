package io.tailwater.schemas.serde;

/** A log record whose value cannot be decoded; the message says why. */
public final class UndecodableRecordException extends RuntimeException {
    public UndecodableRecordException(String message) {
        super(message);
    }

    public UndecodableRecordException(String message, Throwable cause) {
        super(message, cause);
    }
}
