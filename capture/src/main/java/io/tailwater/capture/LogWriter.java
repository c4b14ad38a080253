package io.tailwater.capture;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.tailwater.log.ProcessUptime;
import io.tailwater.log.StreamLeader;
import io.tailwater.schemas.TableId;
import io.tailwater.schemas.TableSchema;
import io.tailwater.schemas.connect.ConnectTables;
import io.tailwater.schemas.event.Heartbeat;
import io.tailwater.schemas.event.LogEvent;
import io.tailwater.schemas.event.LogHeaders;
import io.tailwater.schemas.event.Op;
import io.tailwater.schemas.event.RowChange;
import io.tailwater.schemas.event.SourcePosition;
import io.tailwater.schemas.event.TransactionEnd;
import io.tailwater.schemas.event.Truncate;
import io.tailwater.schemas.serde.LogRecordSerde;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes Debezium's change events into the replication log inside Kafka transactions.
 *
 * <p>A Kafka transaction only ever commits at a leader transaction boundary, so the log never
 * holds part of a leader transaction, and a crash leaves nothing to repeat. It may span several
 * Debezium batches (a large leader transaction) and may hold several leader transactions (for
 * throughput). Records are marked processed for Debezium only after the Kafka transaction that
 * holds them has committed, so the replication slot never advances past what the log durably
 * holds. Snapshot reads, which have no leader transaction, are framed in chunks, one per batch.
 */
final class LogWriter implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LogWriter.class);
    private static final long MAX_KAFKA_TX_AGE_NANOS = 200_000_000L;

    private final Producer<byte[], byte[]> producer;
    private final LogRecordSerde serde;
    private final String topic;
    private final String transactionTopic;
    private final ConnectTables tables = new ConnectTables();
    /** The {@link LogHeaders#TABLE} header value of each table, encoded once rather than per row. */
    private final Map<TableId, byte[]> tableHeaders = new java.util.HashMap<>();
    /** The last version of each table written, to catch changes followers cannot take. */
    private final Map<TableId, TableSchema> versions = new java.util.HashMap<>();
    private final CaptureMetrics metrics;

    /** Records written into the open Kafka transaction, to mark processed once it commits. */
    private final List<RecordChangeEvent<SourceRecord>> uncommitted = new ArrayList<>();
    /** How many of {@link #uncommitted} belong to complete leader transactions (or chunks). */
    private int completeUpTo;
    private boolean kafkaTxOpen;
    private long kafkaTxStartNanos;
    private boolean leaderTxOpen;
    private long leaderTxEvents;
    private boolean snapshotChunkOpen;
    private long snapshotChunkEvents;
    private SourceRecord lastSnapshotRecord;
    /** Tables to empty on the followers before the first snapshot row: a snapshot that is taken again. */
    private List<TableId> truncateBeforeSnapshot = List.of();
    /** Whether Debezium has moved on from the initial snapshot to streaming. */
    private volatile boolean streaming;
    /** Bytes of record values in the log so far, stamped on transaction ends and heartbeats. */
    private long logBytes;
    private boolean firstCommitLogged;
    private final String stream;

    /** Tables added to the publication whose snapshot has not reached the log: their streamed changes are left out. */
    private final JoiningTables joining;

    /** The WAL this capture reads (system and timeline), as JSON fields stamped on every transaction end's source offset. */
    private final String originFields;

    /** The leader epoch every record is stamped with. */
    private final int epoch;
    /** The {@link LogHeaders#LEADER_CHANGE} header value of this epoch, or null for epoch 0. */
    private final byte[] leaderChangeHeader;

    /** How the leader's Debezium records name tables and positions. */
    private final SourceFormat format;

    /**
     * A writer for the log of {@code stream}.
     *
     * @param origin the WAL a PostgreSQL leader's capture reads; null for a MariaDB leader
     */
    LogWriter(Producer<byte[], byte[]> producer, LogRecordSerde serde, String stream, CaptureMetrics metrics, long logBytes,
              StreamLeader leader, JoiningTables joining, LeaderTimeline origin, SourceFormat format) {
        this.producer = producer;
        this.format = format;
        this.originFields = origin == null ? "" : originFields(origin);
        this.joining = joining;
        this.epoch = leader.epoch();
        this.leaderChangeHeader = leader.changeOffset() < 0 ? null
                : Long.toString(leader.changeOffset()).getBytes(StandardCharsets.US_ASCII);
        this.logBytes = logBytes;
        this.serde = serde;
        this.stream = stream;
        this.topic = stream + ".log";
        this.transactionTopic = stream + ".transaction";
        this.metrics = metrics;
    }

    @Override
    public boolean supportsTombstoneEvents() {
        return false;
    }

    @Override
    public void handleBatch(List<RecordChangeEvent<SourceRecord>> batch,
                            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer) throws InterruptedException {
        String aborted = joining.abortedSnapshot();
        if (aborted != null) {
            throw new IllegalStateException("Debezium aborted the snapshot of new table(s) " + aborted + " (its WARN above says why),"
                    + " so their rows from before they joined the stream are not in the log. Capture stopped rather than go on without"
                    + " them. Drop the table(s) from publication '" + Capture.slotName(stream) + "' on the leader (ALTER PUBLICATION ..."
                    + " DROP TABLE ...) and restart capture: it adds them again and takes their snapshot");
        }
        int lastBoundary = lastBoundaryIndex(batch);
        for (int i = 0; i < batch.size(); i++) {
            RecordChangeEvent<SourceRecord> event = batch.get(i);
            SourceRecord r = event.record();
            if (r.topic().equals(transactionTopic)) {
                streaming = true;
                Struct v = (Struct) r.value();
                if ("END".equals(v.getString("status"))) {
                    closeSnapshotChunk();
                    if (leaderTxEvents > 0) {
                        write(transactionEnd(v, r), null);
                        metrics.transactions(1);
                    } // else: its rows were read by the initial snapshot (or it changed no captured table)
                    uncommitted.add(event);
                    leaderTxOpen = false;
                    leaderTxEvents = 0;
                    completeUpTo = uncommitted.size();
                    if (i == lastBoundary || System.nanoTime() - kafkaTxStartNanos > MAX_KAFKA_TX_AGE_NANOS) {
                        commit(committer);
                    }
                } else {
                    closeSnapshotChunk();
                    uncommitted.add(event);
                }
            } else if (r.topic().startsWith("__debezium-heartbeat")) {
                streaming = true;
                if (!leaderTxOpen) {
                    closeSnapshotChunk();
                    // A heartbeat stands for the moment Debezium emitted it: the log then held every leader commit it had read.
                    Map<String, ?> offset = r.sourceOffset();
                    write(new Heartbeat(format.heartbeat(epoch, offset, heartbeatMillis(r) * 1000)), null);
                    uncommitted.add(event);
                    completeUpTo = uncommitted.size();
                }
            } else if (r.value() instanceof Struct value) {
                Struct source = value.getStruct("source");
                Op op;
                String code = value.getString("op");
                TableId id = format.table(source);
                SourcePosition position = format.row(epoch, source);
                if (!"r".equals(code) && joining.leavesOut(id)) {
                    // committed before the table's snapshot started: the snapshot holds it (see JoiningTables)
                    leaderTxOpen = true;
                } else if ("t".equals(code)) {
                    closeSnapshotChunk();
                    leaderTxOpen = true;
                    leaderTxEvents++;
                    write(new Truncate(id, position), id);
                    String ownTransaction = format.statementTransaction(source);
                    if (ownTransaction != null) {
                        // A statement that commits by itself (MariaDB's TRUNCATE): its own transaction, with no END to wait for.
                        metrics.rows(1);
                        uncommitted.add(event);
                        write(new TransactionEnd(ownTransaction, format.end(epoch, ownTransaction, r.sourceOffset(), position.timestampMicros()),
                                1, json(r.sourceOffset())), null);
                        metrics.transactions(1);
                        leaderTxOpen = false;
                        leaderTxEvents = 0;
                        completeUpTo = uncommitted.size();
                        commit(committer);
                        continue;
                    }
                } else {
                    op = Op.fromCode(code);
                    Struct before = value.getStruct("before");
                    Struct after = value.getStruct("after");
                    Struct image = after != null ? after : before;
                    TableSchema table = tables.table(id, image.schema(), r.keySchema());
                    checkCompatible(table);
                    if (op == Op.READ) {
                        joining.leave(id);
                        for (TableId t : truncateBeforeSnapshot) {
                            write(new Truncate(t, position), t);
                        }
                        truncateBeforeSnapshot = List.of();
                        snapshotChunkOpen = true;
                        snapshotChunkEvents++;
                        lastSnapshotRecord = r;
                    } else {
                        closeSnapshotChunk();
                        leaderTxOpen = true;
                        leaderTxEvents++;
                    }
                    write(new RowChange(table, op, ConnectTables.values(table, before), ConnectTables.values(table, after), position), id);
                }
                metrics.rows(1);
                uncommitted.add(event);
            } else {
                uncommitted.add(event); // tombstones and anything else without a value: nothing to log
            }
        }
        closeSnapshotChunk();
        if (!leaderTxOpen) {
            completeUpTo = uncommitted.size();
        } else if (LOG.isDebugEnabled()) {
            SourceRecord last = batch.get(batch.size() - 1).record();
            LOG.debug("Batch of {} ends inside a leader transaction; last record: topic {} value {}", batch.size(), last.topic(), last.value());
        }
        if (kafkaTxOpen && !leaderTxOpen) {
            commit(committer);
        }
        committer.markBatchFinished();
    }

    /**
     * Refuses a new table version that changes a column's kind in place (say integer to text):
     * followers cannot convert their existing values, and writing on would give them bad data.
     */
    private void checkCompatible(TableSchema table) {
        TableSchema previous = versions.put(table.id(), table);
        if (previous == null || previous == table) {
            return;
        }
        for (io.tailwater.schemas.Column before : previous.columns()) {
            for (io.tailwater.schemas.Column after : table.columns()) {
                if (before.name().equals(after.name()) && before.type() != after.type()) {
                    versions.put(table.id(), previous);
                    throw new IncompatibleSchemaChangeException("column \"" + after.name().replace("\"", "\"\"") + "\" of table "
                            + table.id() + " changed from " + before.sourceType().toLowerCase() + " to " + after.sourceType().toLowerCase()
                            + " on the leader; followers cannot convert the values they hold. Capture stopped before writing any row"
                            + " of the new type. Either add a new column of the new type on the leader (copy the values, drop the old"
                            + " column), or rebuild the table on the followers, then restart capture");
                }
            }
        }
    }

    /** Whether the initial snapshot is over and changes stream. */
    boolean streaming() {
        return streaming;
    }

    /** Makes the followers drop what an interrupted snapshot left, before the new snapshot's first row. */
    void truncateBeforeSnapshot(List<TableId> tables) {
        this.truncateBeforeSnapshot = List.copyOf(tables);
    }

    /** Aborts any open Kafka transaction; its records were never marked processed, so Debezium will send them again. */
    void abort() {
        if (kafkaTxOpen) {
            try {
                producer.abortTransaction();
            } catch (RuntimeException ignored) {
                // fenced or closed: the broker aborts it on its own
            }
            kafkaTxOpen = false;
        }
    }

    private void closeSnapshotChunk() {
        if (!snapshotChunkOpen) {
            return;
        }
        Map<String, ?> offset = lastSnapshotRecord.sourceOffset();
        Struct source = ((Struct) lastSnapshotRecord.value()).getStruct("source");
        if ("last".equals(String.valueOf(source.get("snapshot")))) {
            // The snapshot is complete: resume by streaming from where it was read, as Debezium does itself.
            offset = format.streamingOffset(offset);
        }
        write(new TransactionEnd("snapshot", format.row(epoch, source), snapshotChunkEvents, json(offset)), null);
        snapshotChunkOpen = false;
        snapshotChunkEvents = 0;
        completeUpTo = uncommitted.size();
    }

    private void write(LogEvent event, TableId table) {
        if (!kafkaTxOpen) {
            producer.beginTransaction();
            kafkaTxOpen = true;
            kafkaTxStartNanos = System.nanoTime();
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

    private void commit(DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer) throws InterruptedException {
        if (kafkaTxOpen) {
            long start = System.nanoTime();
            producer.commitTransaction();
            kafkaTxOpen = false;
            metrics.kafkaCommit(System.nanoTime() - start);
            if (!firstCommitLogged) {
                firstCommitLogged = true;
                LOG.info("First changes of stream '{}' are in the log, {} ms after the process started", stream, ProcessUptime.millis());
            }
        }
        for (int i = 0; i < completeUpTo; i++) {
            committer.markProcessed(uncommitted.get(i));
        }
        uncommitted.subList(0, completeUpTo).clear();
        completeUpTo = 0;
    }

    private int lastBoundaryIndex(List<RecordChangeEvent<SourceRecord>> batch) {
        for (int i = batch.size() - 1; i >= 0; i--) {
            SourceRecord r = batch.get(i).record();
            if (r.topic().equals(transactionTopic) && "END".equals(((Struct) r.value()).getString("status"))) {
                return i;
            }
        }
        return -1;
    }

    private TransactionEnd transactionEnd(Struct v, SourceRecord r) {
        String txId = format.transactionId(v.getString("id"));
        Long tsMs = v.getInt64("ts_ms");
        Map<String, ?> offset = r.sourceOffset();
        return new TransactionEnd(txId, format.end(epoch, txId, offset, tsMs == null ? 0 : tsMs * 1000), v.getInt64("event_count"),
                json(offset));
    }

    private static long heartbeatMillis(SourceRecord r) {
        if (r.value() instanceof Struct v && v.schema().field("ts_ms") != null && v.get("ts_ms") instanceof Long ts) {
            return ts;
        }
        return r.timestamp() != null ? r.timestamp() : System.currentTimeMillis();
    }

    /** A source offset as the log keeps it: Debezium's, with the WAL it was read from (see {@link LeaderTimeline}). */
    private String json(Map<String, ?> offset) {
        try {
            String debezium = JSON.writeValueAsString(offset);
            if (originFields.isEmpty()) {
                return debezium;
            }
            return debezium.length() <= 2 ? "{" + originFields + "}"
                    : debezium.substring(0, debezium.length() - 1) + "," + originFields + "}";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write Debezium offset as JSON", e);
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
