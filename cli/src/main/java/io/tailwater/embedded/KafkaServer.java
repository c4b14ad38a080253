package io.tailwater.embedded;

/** A Kafka broker that the demo, the benchmark or the tests started, reached without authentication. */
public interface KafkaServer extends AutoCloseable {
    /** The {@code bootstrap.servers} to reach it at. */
    String bootstrapServers();

    @Override
    void close();
}
