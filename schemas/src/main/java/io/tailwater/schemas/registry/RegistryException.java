package io.tailwater.schemas.registry;

/** The schema registry refused a call, or could not be reached within the configured timeout. */
public final class RegistryException extends RuntimeException {
    private final int status;

    public RegistryException(String message, int status, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    /** The HTTP status, or -1 when the registry could not be reached. */
    public int status() {
        return status;
    }
}
