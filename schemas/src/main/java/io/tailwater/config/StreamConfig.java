package io.tailwater.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Optional;
import java.util.Map;
import java.util.Properties;

/**
 * Everything about one stream: the Kafka cluster, the registry, the leader and its followers.
 * Loaded and validated at start by {@link ConfigLoader}; immutable afterwards.
 *
 * @param stream the stream's name; topics are {@code <stream>.log} and {@code <stream>.positions}
 * @param kafka Kafka client properties, passed to every producer, consumer and admin client
 * @param replicationFactor replication factor for the topics capture creates (capped at the cluster size)
 * @param registry the schema registry
 * @param leader the leader database
 * @param followers followers by name, in file order
 * @param failover automatic failover, or {@link FailoverConfig#OFF}
 * @param logRetention how long the log keeps its records ({@code topics.log-retention}); empty for ever
 */
public record StreamConfig(String stream, Map<String, String> kafka, int replicationFactor,
                           RegistryConfig registry, LeaderConfig leader, Map<String, FollowerConfig> followers,
                           FailoverConfig failover, Optional<Duration> logRetention) {

    public StreamConfig {
        kafka = Map.copyOf(kafka);
        followers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(followers));
    }

    /** The replication log topic. */
    public String logTopic() {
        return stream + ".log";
    }

    /** The compacted topic of the latest row per key, kept by {@code tailwater compact}; new followers load it. */
    public String snapshotTopic() {
        return stream + ".snapshot";
    }

    /** The Kafka Streams application id of {@code tailwater compact}: also its consumer group on the log. */
    public String snapshotApplicationId() {
        return "tailwater-compact-" + stream;
    }

    /** The compacted topic where appliers publish their positions. */
    public String positionsTopic() {
        return stream + ".positions";
    }

    /** A MariaDB leader's schema history (Debezium's, every DDL with its binlog position), next to the log. */
    public String schemaHistoryTopic() {
        return stream + ".schema-history";
    }

    /** A fresh copy of the Kafka client properties. */
    public Properties kafkaProperties() {
        Properties props = new Properties();
        props.putAll(kafka);
        return props;
    }

    /** The same stream with another leader database (a promoted follower). */
    public StreamConfig withLeader(LeaderConfig newLeader) {
        return new StreamConfig(stream, kafka, replicationFactor, registry, newLeader, followers, failover, logRetention);
    }

    public FollowerConfig follower(String name) {
        FollowerConfig follower = followers.get(name);
        if (follower == null) {
            throw new ConfigException("followers", "no follower named '" + name + "'; the config has " + followers.keySet());
        }
        return follower;
    }
}
