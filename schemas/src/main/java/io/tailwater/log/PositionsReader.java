package io.tailwater.log;

import io.tailwater.config.StreamConfig;
import io.tailwater.schemas.event.LogHeaders;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a stream's state from Kafka: the latest position report of each follower, and the end
 * offset of the log. Used by {@code tailwater status} and by anything that waits for followers.
 */
public final class PositionsReader implements AutoCloseable {
    private final StreamConfig config;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Duration timeout;

    public PositionsReader(StreamConfig config, Duration timeout) {
        this.config = config;
        this.timeout = timeout;
        this.consumer = KafkaClients.consumer(config, "tailwater-" + config.stream() + "-status",
                Map.of("default.api.timeout.ms", (int) timeout.toMillis()));
    }

    /** The log's end offset (the last stable offset: committed transactions only). */
    public long logEndOffset() {
        TopicPartition tp = new TopicPartition(config.logTopic(), 0);
        try {
            return consumer.endOffsets(List.of(tp), timeout).get(tp);
        } catch (TimeoutException e) {
            throw unavailable(config.logTopic(), e);
        }
    }

    /**
     * Where the log's head stands: its byte count and leader time, from its last stamped record (a
     * transaction end or heartbeat). Reads only the last few records.
     *
     * @param logEnd the log end offset, from {@link #logEndOffset()}
     */
    public LogHead head(long logEnd) {
        TopicPartition tp = new TopicPartition(config.logTopic(), 0);
        long bytes = -1;
        long commitMicros = -1;
        try {
            consumer.assign(List.of(tp));
            long begin = consumer.beginningOffsets(List.of(tp), timeout).get(tp);
            consumer.seek(tp, Math.max(begin, logEnd - 50));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (consumer.position(tp, timeout) < logEnd && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.offset() >= logEnd) {
                        break; // written after logEnd was read: a heartbeat there would overstate the lag in bytes and ms
                    }
                    bytes = Math.max(bytes, LogHeaders.number(r.headers(), LogHeaders.LOG_BYTES));
                    commitMicros = Math.max(commitMicros, LogHeaders.number(r.headers(), LogHeaders.COMMIT_MICROS));
                }
            }
        } catch (TimeoutException e) {
            throw unavailable(config.logTopic(), e);
        }
        return new LogHead(logEnd, bytes, commitMicros);
    }

    /**
     * The head of the log.
     *
     * @param endOffset the log end offset (committed records only)
     * @param logBytes bytes of record values in the log, or -1 when no record carries the count
     * @param commitMicros the leader time of the last transaction end or heartbeat, or -1
     */
    public record LogHead(long endOffset, long logBytes, long commitMicros) {
    }

    /** The latest report of every follower that has reported, by name. */
    public Map<String, FollowerPosition> positions() {
        TopicPartition tp = new TopicPartition(config.positionsTopic(), 0);
        Map<String, FollowerPosition> out = new LinkedHashMap<>();
        try {
            consumer.assign(List.of(tp));
            long end = consumer.endOffsets(List.of(tp), timeout).get(tp);
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (consumer.position(tp, timeout) < end) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    FollowerPosition.keep(r, out);
                }
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("reading " + config.positionsTopic());
                }
            }
        } catch (TimeoutException e) {
            throw unavailable(config.positionsTopic(), e);
        }
        return out;
    }

    private KafkaUnavailableException unavailable(String topic, TimeoutException e) {
        return KafkaUnavailableException.notReturned(config, topic, timeout, e);
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}
