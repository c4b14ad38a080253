package io.tailwater.capture;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.tailwater.schemas.TableId;
import io.tailwater.schemas.TableSchema;
import io.tailwater.schemas.connect.ConnectTables;
import io.tailwater.schemas.event.Heartbeat;
import io.tailwater.schemas.event.LogEvent;
import io.tailwater.schemas.event.Op;
import io.tailwater.schemas.event.RowChange;
import io.tailwater.schemas.event.SourcePosition;
import io.tailwater.schemas.event.TransactionEnd;
import io.tailwater.schemas.event.Truncate;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

import java.util.ArrayList;
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
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LogWriter.class);
    private static final long MAX_KAFKA_TX_AGE_NANOS = 200_000_000L;

    private final LogTransactions log;
    private final String transactionTopic;
    private final ConnectTables tables = new ConnectTables();
    private final CaptureMetrics metrics;

    /** Records written into the open Kafka transaction, to mark processed once it commits. */
    private final List<RecordChangeEvent<SourceRecord>> uncommitted = new ArrayList<>();
    /** How many of {@link #uncommitted} belong to complete leader transactions (or chunks). */
    private int completeUpTo;
    private boolean leaderTxOpen;
    private long leaderTxEvents;
    private boolean snapshotChunkOpen;
    private long snapshotChunkEvents;
    private SourceRecord lastSnapshotRecord;
    /** Tables to empty on the followers before the first snapshot row: a snapshot that is taken again. */
    private List<TableId> truncateBeforeSnapshot = List.of();
    /** Whether Debezium has moved on from the initial snapshot to streaming. */
    private volatile boolean streaming;
    /** Whether the open Kafka transaction holds a streamed event; and how many such transactions have committed. */
    private boolean streamedSinceCommit;
    private volatile long streamedCommits;
    private final String stream;

    /** Tables added to the publication whose snapshot has not reached the log: their streamed changes are left out. */
    private final JoiningTables joining;

    /** The leader epoch every record is stamped with. */
    private final int epoch;

    /** How the leader's Debezium records name tables and positions. */
    private final SourceFormat format;

    /** A writer of Debezium's records into {@code log}. */
    LogWriter(LogTransactions log, String stream, JoiningTables joining, SourceFormat format) {
        this.log = log;
        this.format = format;
        this.joining = joining;
        this.epoch = log.epoch();
        this.stream = stream;
        this.transactionTopic = stream + ".transaction";
        this.metrics = log.metrics();
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
                streamedSinceCommit = true;
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
                    if (i == lastBoundary || log.openForNanos() > MAX_KAFKA_TX_AGE_NANOS) {
                        commit(committer);
                    }
                } else {
                    closeSnapshotChunk();
                    uncommitted.add(event);
                }
            } else if (r.topic().startsWith("__debezium-heartbeat")) {
                streaming = true;
                streamedSinceCommit = true;
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
                    log.checkCompatible(table);
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
        if (log.open() && !leaderTxOpen) {
            commit(committer);
        }
        committer.markBatchFinished();
    }

    /** Whether the initial snapshot is over and changes stream. */
    boolean streaming() {
        return streaming;
    }

    /**
     * How many Kafka transactions holding streamed events (leader transactions, heartbeats) have
     * committed: once it grows, everything read before streaming (a snapshot) is in the log.
     */
    long streamedCommits() {
        return streamedCommits;
    }

    /** Makes the followers drop what an interrupted snapshot left, before the new snapshot's first row. */
    void truncateBeforeSnapshot(List<TableId> tables) {
        this.truncateBeforeSnapshot = List.copyOf(tables);
    }

    /** Aborts any open Kafka transaction; its records were never marked processed, so Debezium will send them again. */
    void abort() {
        log.abort();
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
        log.write(event, table);
    }

    private void commit(DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer) throws InterruptedException {
        log.commit();
        if (streamedSinceCommit) {
            streamedCommits++;
            streamedSinceCommit = false;
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

    private String json(Map<String, ?> offset) {
        return log.offsetJson(offset);
    }
}
