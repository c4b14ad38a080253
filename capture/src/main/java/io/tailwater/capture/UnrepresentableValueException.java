package io.tailwater.capture;

/** A leader value capture cannot carry exactly; the message names the table, the column, the value's kind and the way forward. */
public final class UnrepresentableValueException extends RuntimeException {
    public UnrepresentableValueException(String message) {
        super(message);
    }
}
