package io.tailwater.schemas.connect;

/** A leader column whose type Tailwater cannot carry; the message names table, column and type. */
public final class UnsupportedColumnException extends RuntimeException {
    public UnsupportedColumnException(String message) {
        super(message);
    }
}
