package io.tailwater.failover;

/** A promote that could not be done, or lost to another; the message says what was changed and the way forward. */
public final class PromotionException extends RuntimeException {
    public PromotionException(String message) {
        super(message);
    }

    public PromotionException(String message, Throwable cause) {
        super(message, cause);
    }
}
