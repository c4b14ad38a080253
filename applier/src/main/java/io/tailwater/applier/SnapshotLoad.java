package io.tailwater.applier;

import io.tailwater.applier.jdbc.AppliedPosition;
import io.tailwater.applier.jdbc.ApplyFailure;
import io.tailwater.applier.jdbc.FollowerStore;
import io.tailwater.applier.jdbc.PositionedEvent;
import io.tailwater.config.StreamConfig;
import io.tailwater.log.LogRange;
import io.tailwater.log.LogTopics;
import io.tailwater.log.SnapshotRecords;
import io.tailwater.schemas.TableId;
import io.tailwater.schemas.event.LogEvent;
import io.tailwater.schemas.event.LogHeaders;
import io.tailwater.schemas.event.Op;
import io.tailwater.schemas.event.RowChange;
import io.tailwater.schemas.event.TransactionEnd;
import io.tailwater.schemas.serde.LogRecordSerde;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Loads a follower that has no position from {@code <stream>.snapshot}, without a read of the
 * leader. A first pass finds each key's latest record and the watermark; the follower's tables
 * named in the snapshot are emptied; a second pass writes each key's latest image through the
 * follower's bulk path, in follower transactions of {@link #ROWS_PER_WRITE} rows. The position,
 * the watermark's transaction end, is stored only after the last row, so a load that stops half
 * way starts again from the beginning.
 */
final class SnapshotLoad {
    static final int ROWS_PER_WRITE = 5000;

    /** What a load achieved: the position it stored, and the highest log offset among the rows it loaded. */
    record Result(AppliedPosition position, long rows, long highestLogOffset) {
    }

    private final StreamConfig config;
    private final String follower;
    private final FollowerStore store;
    private final LogRecordSerde serde;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Duration timeout;
    private final AtomicLong loaded = new AtomicLong();
    private volatile long total = -1;

    SnapshotLoad(StreamConfig config, String follower, FollowerStore store, LogRecordSerde serde, KafkaConsumer<byte[], byte[]> consumer,
                 Duration timeout) {
        this.config = config;
        this.follower = follower;
        this.store = store;
        this.serde = serde;
        this.consumer = consumer;
        this.timeout = timeout;
    }

    /** Rows loaded so far. */
    long loaded() {
        return loaded.get();
    }

    /** Rows the snapshot holds, once the first pass is over; -1 before. */
    long total() {
        return total;
    }

    /** Loads the snapshot; empty when the stream's snapshot holds no watermark yet. */
    Optional<Result> run() throws SQLException {
        long started = System.nanoTime();
        TopicPartition tp = new TopicPartition(config.snapshotTopic(), 0);
        long begin = consumer.beginningOffsets(List.of(tp), timeout).get(tp);
        long end = consumer.endOffsets(List.of(tp), timeout).get(tp);
        Map<String, Long> latest = new HashMap<>();
        Set<TableId> tables = new LinkedHashSet<>();
        ConsumerRecord<byte[], byte[]>[] watermark = new ConsumerRecord[1];
        LogRange.forEach(consumer, tp, begin, end, timeout, r -> {
            String key = new String(r.key(), StandardCharsets.UTF_8);
            if (key.equals(SnapshotRecords.WATERMARK_KEY)) {
                watermark[0] = r;
                return;
            }
            TableId table = SnapshotRecords.table(key);
            if (table == null) {
                return; // the leader record
            }
            tables.add(table);
            if (r.value() == null) {
                latest.remove(key);
            } else {
                latest.put(key, r.offset());
            }
        });
        if (watermark[0] == null) {
            return Optional.empty();
        }
        total = latest.size();
        store.clear(tables);
        List<PositionedEvent> batch = new ArrayList<>(ROWS_PER_WRITE);
        long[] found = new long[1];
        long[] highest = {-1};
        SQLException[] failed = new SQLException[1];
        LogRange.forEach(consumer, tp, begin, end, timeout, r -> {
            if (failed[0] != null || r.value() == null) {
                return;
            }
            Long at = latest.get(new String(r.key(), StandardCharsets.UTF_8));
            if (at == null || at != r.offset()) {
                return;
            }
            found[0]++;
            long logOffset = SnapshotRecords.logOffset(r.headers());
            highest[0] = Math.max(highest[0], logOffset);
            LogEvent event = serde.deserialize(r.value());
            if (!(event instanceof RowChange row) || row.after() == null) {
                throw new ApplierException("the snapshot record at offset " + r.offset() + " of '" + config.snapshotTopic()
                        + "' is not a row image; it was not written by 'tailwater compact'", logOffset, null);
            }
            RowChange image = new RowChange(row.table(), Op.READ, null, row.after(), row.source());
            long copies = row.table().hasKey() ? 1 : SnapshotRecords.count(r.headers());
            for (long i = 0; i < copies; i++) {
                batch.add(new PositionedEvent(logOffset, image));
            }
            if (batch.size() >= ROWS_PER_WRITE) {
                failed[0] = write(batch);
            }
        });
        if (failed[0] == null) {
            failed[0] = write(batch);
        }
        if (failed[0] != null) {
            throw failed[0];
        }
        if (found[0] != latest.size()) {
            throw new ApplierException("follower '" + follower + "': " + (latest.size() - found[0]) + " row(s) of '" + config.snapshotTopic()
                    + "' went away between the load's two reads (compacted under it); the follower has no position yet, so starting"
                    + " the applier again loads the snapshot anew", -1, null);
        }
        if (System.nanoTime() - started > LogTopics.SNAPSHOT_COMPACTION_LAG.toNanos()) {
            throw new ApplierException("follower '" + follower + "': the load from '" + config.snapshotTopic() + "' took longer than the"
                    + " topic's min.compaction.lag.ms (" + LogTopics.SNAPSHOT_COMPACTION_LAG + "), so records may have been compacted"
                    + " under it; the follower has no position yet: raise min.compaction.lag.ms of the topic and start the applier"
                    + " again", -1, null);
        }
        ConsumerRecord<byte[], byte[]> w = watermark[0];
        TransactionEnd t = (TransactionEnd) serde.deserialize(w.value());
        AppliedPosition position = new AppliedPosition(SnapshotRecords.logOffset(w.headers()), t.source().lsn(), t.txId(),
                t.source().timestampMicros(), t.source().epoch(), LogHeaders.number(w.headers(), LogHeaders.LOG_BYTES), t.source().gtid());
        store.reset(List.of(), position);
        return Optional.of(new Result(position, loaded.get(), highest[0]));
    }

    private SQLException write(List<PositionedEvent> batch) {
        if (batch.isEmpty()) {
            return null;
        }
        try {
            store.load(batch);
            loaded.addAndGet(batch.size());
            batch.clear();
            return null;
        } catch (SQLException e) {
            if (store.dialect().isTransient(e)) {
                return e;
            }
            ApplyFailure f;
            try {
                f = store.diagnose(batch, e);
            } catch (SQLException unavailable) {
                return unavailable;
            }
            throw new ApplierException(f.getMessage() + ", while loading '" + config.snapshotTopic() + "'. The follower has no position"
                    + " yet; fix the follower table and start the applier again: the load starts anew", f.offset(), f);
        }
    }
}
