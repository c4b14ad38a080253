package io.tailwater.capture;

/** The leader cannot be captured as configured; the message names the setting to change. */
public final class LeaderNotReadyException extends RuntimeException {
    public LeaderNotReadyException(String message) {
        super(message);
    }

    public LeaderNotReadyException(String message, Throwable cause) {
        super(message, cause);
    }
}
