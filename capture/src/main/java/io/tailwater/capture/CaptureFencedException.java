package io.tailwater.capture;

/** Another capture process of the same stream took over; this one stopped without writing more. */
public final class CaptureFencedException extends RuntimeException {
    public CaptureFencedException(String message, Throwable cause) {
        super(message, cause);
    }
}
