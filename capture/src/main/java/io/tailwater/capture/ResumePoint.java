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

    /** The offset keys of Debezium's PostgreSQL connector that hold positions in the WAL. */
    private static final List<String> LSN_KEYS = List.of("lsn", "lsn_proc", "lsn_commit");

    /**
     * The source offset to resume from, given the LSN the stream's slot has confirmed. The slot
     * only confirms what the log durably holds (records are marked processed after their Kafka
     * transaction commits), so a confirmed LSN past this transaction end was reached by
     * heartbeats alone: no captured transaction lies between. The offset then moves up to it, for
     * PostgreSQL has recycled the WAL before it and Debezium refuses an offset older than the
     * slot. Otherwise the offset stays as the log has it.
     */
    String sourceOffsetFor(long slotConfirmedLsn) {
        Map<String, Object> offset = offset();
        boolean behind = false;
        for (String key : LSN_KEYS) {
            if (offset.get(key) instanceof Number n && n.longValue() < slotConfirmedLsn) {
                offset.put(key, slotConfirmedLsn);
                behind = true;
            }
        }
        if (!behind) {
            return end.sourceOffset();
        }
        try {
            return JSON.writeValueAsString(offset);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a source offset", e);
        }
    }

    private Map<String, Object> offset() {
        try {
            return JSON.readValue(end.sourceOffset(), new TypeReference<Map<String, Object>>() { });
        } catch (IOException e) {
            throw new IllegalStateException("the transaction end at the end of the log carries a source offset that is not JSON;"
                    + " the log was not written by Tailwater capture", e);
        }
    }

    /**
     * Whether {@code end} closes a chunk of an initial snapshot that never finished: capture must
     * then take the snapshot again from a new slot (Debezium cannot resume a snapshot).
     */
    boolean isInterruptedSnapshot() {
        return end.source().snapshot() && !Boolean.TRUE.equals(offset().get("snapshot_completed"));
    }
}
