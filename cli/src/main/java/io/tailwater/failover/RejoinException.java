package io.tailwater.failover;

/** A rejoin that could not be done; the message says what was changed and the way forward. */
public final class RejoinException extends RuntimeException {
    public RejoinException(String message) {
        super(message);
    }

    public RejoinException(String message, Throwable cause) {
        super(message, cause);
    }
}
