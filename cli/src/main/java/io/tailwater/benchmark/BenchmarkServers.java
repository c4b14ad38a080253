package io.tailwater.benchmark;

import io.tailwater.embedded.KafkaServer;
import io.tailwater.embedded.RegistryServer;
import io.tailwater.embedded.PostgresServer;

/**
 * What one benchmark run measures on: the Kafka broker, the registry, and a leader and a
 * follower PostgreSQL server; {@code name} prefixes its streams, as runs share the broker.
 */
public record BenchmarkServers(String name, KafkaServer kafka, RegistryServer registry, PostgresServer leader, PostgresServer follower) {
}
