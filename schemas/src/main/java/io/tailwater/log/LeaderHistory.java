package io.tailwater.log;

import io.tailwater.config.StreamConfig;
import io.tailwater.schemas.event.LeaderChange;
import io.tailwater.schemas.event.LogEvent;
import io.tailwater.schemas.event.LogHeaders;
import io.tailwater.schemas.serde.LogRecordSerde;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Every leader of a stream in log order: the configured leader (epoch 0), then one per
 * {@link LeaderChange}. Read from the whole log, decoding only the leader changes.
 *
 * @param leaders the leaders, oldest first; never empty
 * @param logEnd the offset after the last record when the history was read
 */
public record LeaderHistory(List<StreamLeader> leaders, long logEnd) {

    /** Reads the stream's log from its start. */
    public static LeaderHistory read(KafkaConsumer<byte[], byte[]> consumer, StreamConfig config, LogRecordSerde serde,
                                     Duration timeout) {
        TopicPartition tp = new TopicPartition(config.logTopic(), 0);
        try {
            long begin = consumer.beginningOffsets(List.of(tp), timeout).get(tp);
            long end = consumer.endOffsets(List.of(tp), timeout).get(tp);
            List<StreamLeader> leaders = new ArrayList<>();
            leaders.add(StreamLeader.CONFIGURED);
            LogRange.forEach(consumer, tp, begin, end, timeout, r -> {
                if (LogHeaders.isKind(r.headers(), LogEvent.Kind.LEADER_CHANGE)) {
                    leaders.add(StreamLeader.of(r.offset(), (LeaderChange) serde.deserialize(r.value())));
                }
            });
            return new LeaderHistory(List.copyOf(leaders), end);
        } catch (TimeoutException e) {
            throw KafkaUnavailableException.notReturned(config, config.logTopic(), timeout, e);
        }
    }

    /** The current leader. */
    public StreamLeader current() {
        return leaders.getLast();
    }

    /** The newest epoch whose leader is the follower {@code name}, if it ever led. */
    public Optional<StreamLeader> lastLedBy(String name) {
        return leaders.reversed().stream().filter(l -> l.follower().filter(name::equals).isPresent()).findFirst();
    }

    /** The leader that followed {@code leader}, if another one did. */
    public Optional<StreamLeader> successor(StreamLeader leader) {
        int i = leaders.indexOf(leader);
        return i >= 0 && i + 1 < leaders.size() ? Optional.of(leaders.get(i + 1)) : Optional.empty();
    }
}
