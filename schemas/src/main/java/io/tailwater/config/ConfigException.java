package io.tailwater.config;

/**
 * A stream configuration that cannot be used. The message names the offending key (for example
 * {@code followers.reporting.jdbc-url}) and says what to do about it.
 */
public final class ConfigException extends RuntimeException {
    private final String key;

    public ConfigException(String key, String message) {
        super(key == null || key.isEmpty() ? message : key + ": " + message);
        this.key = key;
    }

    /** The dotted path of the key at fault, or empty when the whole file is at fault. */
    public String key() {
        return key;
    }
}
