package io.tailwater.capture;

/** The leader changed a column in a way followers cannot follow; the message names the column, the change and the way out. */
public final class IncompatibleSchemaChangeException extends RuntimeException {
    public IncompatibleSchemaChangeException(String message) {
        super(message);
    }
}
