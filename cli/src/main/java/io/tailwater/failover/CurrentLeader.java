package io.tailwater.failover;

import io.tailwater.config.LeaderConfig;
import io.tailwater.config.StreamConfig;
import io.tailwater.log.KafkaClients;
import io.tailwater.log.LogTail;
import io.tailwater.log.StreamLeader;
import io.tailwater.schemas.registry.SchemaRegistryClient;
import io.tailwater.schemas.serde.LogRecordSerde;
import org.apache.kafka.clients.consumer.KafkaConsumer;

import java.time.Duration;
import java.util.Map;

/**
 * The leader of a stream as its log records it, with the database it is: the config's
 * {@code leader:} section in epoch 0, the promoted follower after a leader change.
 *
 * @param database its connection and the stream's tables
 * @param tail the end of the log it was read from
 */
public record CurrentLeader(LeaderConfig database, LogTail tail) {
    /** Reads the end of the stream's log. */
    public static CurrentLeader read(StreamConfig config, Duration timeout) {
        LogRecordSerde serde = new LogRecordSerde(new SchemaRegistryClient(config.registry()));
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.consumer(config, "tailwater-leader-" + config.stream(), Map.of())) {
            return of(config, LogTail.read(consumer, config, serde, timeout));
        }
    }

    /** The leader a log's end names. */
    public static CurrentLeader of(StreamConfig config, LogTail tail) {
        return new CurrentLeader(tail.leader().database(config), tail);
    }

    /** The epoch and the leader change that started it. */
    public StreamLeader leader() {
        return tail.leader();
    }

    /** {@link StreamLeader#CONFIGURED_NAME} or the follower's name. */
    public String name() {
        return tail.leader().name();
    }
}
