package io.tailwater.log;

import io.tailwater.config.StreamConfig;

import java.time.Duration;

/** Kafka could not be reached, or refused an operation; the message says which brokers and what to check. */
public final class KafkaUnavailableException extends RuntimeException {
    public KafkaUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Kafka did not return a stream's topic in time. */
    public static KafkaUnavailableException notReturned(StreamConfig config, String topic, Duration timeout, Throwable cause) {
        return new KafkaUnavailableException("Kafka at " + config.kafka().get("bootstrap.servers") + " did not return '"
                + topic + "' within " + timeout.toSeconds() + "s; check that the brokers are up and the stream exists", cause);
    }
}
