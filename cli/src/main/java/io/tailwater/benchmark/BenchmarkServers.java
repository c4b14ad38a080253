package io.tailwater.benchmark;

import io.tailwater.config.StreamingDecoder;
import io.tailwater.embedded.KafkaServer;
import io.tailwater.embedded.RegistryServer;
import io.tailwater.embedded.PostgresServer;

import java.util.Locale;

/**
 * What one benchmark run measures on: the Kafka broker, the registry, and a leader and a
 * follower PostgreSQL server; {@code name} prefixes its streams, as runs share the broker;
 * {@code decoder} is what its captures stream the leader's changes with.
 */
public record BenchmarkServers(String name, KafkaServer kafka, RegistryServer registry, PostgresServer leader, PostgresServer follower,
                               StreamingDecoder decoder) {

    /** The {@code leader.decoder} line of a stream config's YAML, put into its leader section. */
    String withDecoder(String yaml) {
        return yaml.replace("\nleader:\n", "\nleader:\n  decoder: " + decoder.name().toLowerCase(Locale.ROOT) + "\n");
    }
}
