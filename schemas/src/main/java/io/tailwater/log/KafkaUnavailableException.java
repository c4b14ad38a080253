package io.tailwater.log;

/** Kafka could not be reached, or refused an operation; the message says which brokers and what to check. */
public final class KafkaUnavailableException extends RuntimeException {
    public KafkaUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
