package io.tailwater.capture;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tailwater.log.ProcessUptime;
import io.tailwater.log.StreamLeader;
import io.tailwater.schemas.Column;
import io.tailwater.schemas.TableId;
import io.tailwater.schemas.TableSchema;
import io.tailwater.schemas.event.Heartbeat;
import io.tailwater.schemas.event.LogEvent;
import io.tailwater.schemas.event.LogHeaders;
import io.tailwater.schemas.event.SourcePosition;
import io.tailwater.schemas.event.TransactionEnd;
import io.tailwater.schemas.serde.LogRecordSerde;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The replication log as capture writes it: log events sent inside Kafka transactions, each
 * record with its kind and table headers, transaction ends and heartbeats stamped with the log's
 * byte count, commit time and leader change. Whoever feeds it (Debezium's batches, or
 * Tailwater's own pgoutput stream) decides where a Kafka transaction may commit: only at a
 * leader transaction boundary. Not thread-safe: one capture thread.
 */
final class LogTransactions {
    private static final Logger LOG = LoggerFactory.getLogger(LogTransactions.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Producer<byte[], byte[]> producer;
    private final LogRecordSerde serde;
    private final String stream;
    private final String topic;
    private final CaptureMetrics metrics;
    /** The {@link LogHeaders#TABLE} header value of each table, encoded once rather than per row. */
    private final Map<TableId, byte[]> tableHeaders = new HashMap<>();
    /** The last version of each table written, to catch changes followers cannot take. */
    private final Map<TableId, TableSchema> versions = new HashMap<>();
    /** The {@link LogHeaders#LEADER_CHANGE} header value of this epoch, or null for epoch 0. */
    private final byte[] leaderChangeHeader;
    /** The WAL this capture reads (system and timeline), as JSON fields stamped on every transaction end's source offset. */
    private final String originFields;
    /** The leader epoch every record is stamped with. */
    private final int epoch;

    private boolean open;
    /** A commit began and did not return: Kafka wants it retried, not aborted (see {@link #abort()}). */
    private boolean commitPending;
    private long openedNanos;
    /** Bytes of record values in the log so far, stamped on transaction ends and heartbeats. */
    private long logBytes;
    /** The byte count when the open Kafka transaction began: what an abort returns to. */
    private long logBytesAtBegin;
    private boolean firstCommitLogged;

    /**
     * The log of {@code stream}.
     *
     * @param logBytes the byte count of the log so far
     * @param origin the WAL a PostgreSQL leader's capture reads; null for a MariaDB leader
     */
    LogTransactions(Producer<byte[], byte[]> producer, LogRecordSerde serde, String stream, CaptureMetrics metrics, long logBytes,
                    StreamLeader leader, LeaderTimeline origin) {
        this.producer = producer;
        this.serde = serde;
        this.stream = stream;
        this.topic = stream + ".log";
        this.metrics = metrics;
        this.logBytes = logBytes;
        this.epoch = leader.epoch();
        this.leaderChangeHeader = leader.changeOffset() < 0 ? null
                : Long.toString(leader.changeOffset()).getBytes(StandardCharsets.US_ASCII);
        this.originFields = origin == null ? "" : originFields(origin);
    }

    /** The leader epoch the records are stamped with. */
    int epoch() {
        return epoch;
    }

    CaptureMetrics metrics() {
        return metrics;
    }

    /** Whether a Kafka transaction is open. */
    boolean open() {
        return open;
    }

    /** Nanoseconds since the open Kafka transaction began. */
    long openForNanos() {
        return System.nanoTime() - openedNanos;
    }

    /** Sends {@code event} inside the open Kafka transaction, opening one first if none is; {@code table} names its table header. */
    void write(LogEvent event, TableId table) {
        if (!open) {
            producer.beginTransaction();
            open = true;
            logBytesAtBegin = logBytes;
            openedNanos = System.nanoTime();
        }
        RecordHeaders headers = new RecordHeaders();
        headers.add(new RecordHeader(LogHeaders.KIND, event.kind().headerBytes()));
        if (table != null) {
            headers.add(new RecordHeader(LogHeaders.TABLE, tableHeaders.computeIfAbsent(table,
                    t -> t.qualified().getBytes(StandardCharsets.UTF_8))));
        }
        byte[] value = serde.serialize(topic, event);
        logBytes += value.length;
        SourcePosition mark = switch (event) {
            case TransactionEnd t -> t.source();
            case Heartbeat h -> h.source();
            default -> null;
        };
        if (mark != null) {
            headers.add(new RecordHeader(LogHeaders.LOG_BYTES, Long.toString(logBytes).getBytes(StandardCharsets.US_ASCII)));
            headers.add(new RecordHeader(LogHeaders.COMMIT_MICROS, Long.toString(mark.timestampMicros()).getBytes(StandardCharsets.US_ASCII)));
            if (leaderChangeHeader != null) {
                headers.add(new RecordHeader(LogHeaders.LEADER_CHANGE, leaderChangeHeader));
            }
        }
        producer.send(new ProducerRecord<>(topic, 0, null, null, value, headers));
    }

    /** Commits the open Kafka transaction, if one is open. */
    void commit() {
        if (!open) {
            return;
        }
        long start = System.nanoTime();
        commitPending = true;
        producer.commitTransaction();
        commitPending = false;
        open = false;
        metrics.kafkaCommit(System.nanoTime() - start);
        if (!firstCommitLogged) {
            firstCommitLogged = true;
            LOG.info("First changes of stream '{}' are in the log, {} ms after the process started", stream, ProcessUptime.millis());
        }
    }

    /**
     * Ends any open Kafka transaction, as a stopping reader leaves it: aborts it (what it held was
     * never confirmed to the leader, which sends it again), or completes a commit that was
     * interrupted or timed out, which Kafka allows nothing else after. That transaction ends at a
     * leader transaction boundary, as every commit does, so the next reader resumes after it.
     */
    void abort() {
        if (open) {
            try {
                if (commitPending) {
                    producer.commitTransaction();
                    commitPending = false;
                } else {
                    logBytes = logBytesAtBegin; // the aborted records are not in the log
                    producer.abortTransaction();
                }
            } catch (RuntimeException e) {
                // fenced or closed: the broker aborts it on its own; else the next reader's first write names the failure
                LOG.debug("Kafka transaction of stream '{}' not ended cleanly: {}", stream, e.toString());
            }
            open = false;
        }
    }

    /**
     * Refuses a new table version that changes a column's kind in place (say integer to text):
     * followers cannot convert their existing values, and writing on would give them bad data.
     */
    void checkCompatible(TableSchema table) {
        TableSchema previous = versions.put(table.id(), table);
        if (previous == null || previous == table) {
            return;
        }
        for (Column before : previous.columns()) {
            for (Column after : table.columns()) {
                if (before.name().equals(after.name()) && before.type() != after.type()) {
                    versions.put(table.id(), previous);
                    throw new IncompatibleSchemaChangeException("column \"" + after.name().replace("\"", "\"\"") + "\" of table "
                            + table.id() + " changed from " + before.sourceType().toLowerCase(Locale.ROOT) + " to "
                            + after.sourceType().toLowerCase(Locale.ROOT) + " on the leader; followers cannot convert the values they"
                            + " hold. Capture stopped before writing any row of the new type. Either add a new column of the new type"
                            + " on the leader (copy the values, drop the old column), or rebuild the table on the followers, then"
                            + " restart capture");
                }
            }
        }
    }

    /** A source offset as the log keeps it: the leader's position, with the WAL it was read from (see {@link LeaderTimeline}). */
    String offsetJson(Map<String, ?> offset) {
        try {
            String position = JSON.writeValueAsString(offset);
            if (originFields.isEmpty()) {
                return position;
            }
            return position.length() <= 2 ? "{" + originFields + "}"
                    : position.substring(0, position.length() - 1) + "," + originFields + "}";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a source offset as JSON", e);
        }
    }

    /** The JSON fields {@code "tailwater_system":…,"tailwater_timeline":…} of the WAL this capture reads, written once. */
    private static String originFields(LeaderTimeline origin) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put(LeaderTimeline.SYSTEM_KEY, origin.systemId());
        fields.put(LeaderTimeline.TIMELINE_KEY, origin.timeline());
        try {
            String object = JSON.writeValueAsString(fields);
            return object.substring(1, object.length() - 1);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the leader's timeline as JSON", e);
        }
    }
}
