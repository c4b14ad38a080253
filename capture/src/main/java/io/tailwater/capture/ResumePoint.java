package io.tailwater.capture;

import io.tailwater.schemas.event.LogEvent;
import io.tailwater.schemas.event.LogHeaders;
import io.tailwater.schemas.event.TransactionEnd;
import io.tailwater.schemas.serde.LogRecordSerde;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.Map;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Finds where capture resumes: the last committed transaction-end record of the log. Scans
 * backwards from the end in growing windows, reading committed records only, and decodes just
 * the one record it needs.
 *
 * @param end the last transaction end
 * @param logBytes the byte count of the log at its last stamped record, to continue from
 */
record ResumePoint(TransactionEnd end, long logBytes) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Optional<ResumePoint> find(KafkaConsumer<byte[], byte[]> consumer, String topic,
                                                       LogRecordSerde serde, Duration timeout) {
        TopicPartition tp = new TopicPartition(topic, 0);
        consumer.assign(List.of(tp));
        long begin = consumer.beginningOffsets(List.of(tp), timeout).get(tp);
        long logEnd = consumer.endOffsets(List.of(tp), timeout).get(tp);
        long window = 1000;
        long to = logEnd;
        long logBytes = 0;
        while (to > begin) {
            long from = Math.max(begin, to - window);
            consumer.seek(tp, from);
            byte[] found = null;
            while (consumer.position(tp, timeout) < to) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.offset() < to && LogHeaders.isKind(r.headers(), LogEvent.Kind.TX_END)) {
                        found = r.value();
                    }
                    if (r.offset() < to) {
                        logBytes = Math.max(logBytes, LogHeaders.number(r.headers(), LogHeaders.LOG_BYTES));
                    }
                }
            }
            if (found != null) {
                LogEvent event = serde.deserialize(found);
                return Optional.of(new ResumePoint((TransactionEnd) event, logBytes));
            }
            to = from;
            window *= 4;
        }
        return Optional.empty();
    }

    /**
     * Whether {@code end} closes a chunk of an initial snapshot that never finished: capture must
     * then take the snapshot again from a new slot (Debezium cannot resume a snapshot).
     */
    boolean isInterruptedSnapshot() {
        if (!end.source().snapshot()) {
            return false;
        }
        try {
            Map<String, Object> offset = JSON.readValue(end.sourceOffset(), new TypeReference<Map<String, Object>>() { });
            return !Boolean.TRUE.equals(offset.get("snapshot_completed"));
        } catch (IOException e) {
            throw new IllegalStateException("the transaction end at the end of the log carries a source offset that is not JSON;"
                    + " the log was not written by Tailwater capture", e);
        }
    }
}
