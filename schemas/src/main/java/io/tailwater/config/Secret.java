package io.tailwater.config;

/**
 * A password or other credential. Its {@link #toString()} never shows the value, so a secret
 * that ends up in a log line, an exception message or a config dump stays hidden.
 */
public record Secret(String value) {
    public static final Secret NONE = new Secret(null);

    public boolean isPresent() {
        return value != null;
    }

    @Override
    public String toString() {
        return value == null ? "(none)" : "****";
    }
}
