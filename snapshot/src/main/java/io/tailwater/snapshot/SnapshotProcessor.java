package io.tailwater.snapshot;

import io.tailwater.log.SnapshotRecords;
import io.tailwater.schemas.Column;
import io.tailwater.schemas.TableId;
import io.tailwater.schemas.TableSchema;
import io.tailwater.schemas.Unchanged;
import io.tailwater.schemas.event.LogEvent;
import io.tailwater.schemas.event.LogHeaders;
import io.tailwater.schemas.event.Op;
import io.tailwater.schemas.event.RowChange;
import io.tailwater.schemas.event.TransactionEnd;
import io.tailwater.schemas.event.Truncate;
import io.tailwater.schemas.serde.LogRecordSerde;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * Turns the replication log into the snapshot: the rows of each leader transaction wait in the
 * {@code pending} store until its transaction end, and then go out together with the new
 * watermark, in one call, so every state of the snapshot Kafka Streams commits reflects whole
 * leader transactions. The {@code rows} store holds each row's latest record: it fills in the
 * unchanged values an update did not send, counts the equal rows of tables without a key, and
 * lists a table's keys for a truncate.
 */
final class SnapshotProcessor implements Processor<byte[], byte[], String, byte[]> {
    static final String ROWS = "rows";
    static final String PENDING = "pending";

    private final LogRecordSerde serde;
    private final String logTopic;
    private final LongConsumer watermarkListener;
    private ProcessorContext<String, byte[]> context;
    private KeyValueStore<String, byte[]> rows;
    private KeyValueStore<Long, byte[]> pending;

    SnapshotProcessor(LogRecordSerde serde, String logTopic, LongConsumer watermarkListener) {
        this.serde = serde;
        this.logTopic = logTopic;
        this.watermarkListener = watermarkListener;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        this.rows = context.getStateStore(ROWS);
        this.pending = context.getStateStore(PENDING);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        long offset = context.recordMetadata().orElseThrow().offset();
        Headers headers = record.headers();
        if (LogHeaders.isKind(headers, LogEvent.Kind.ROW) || LogHeaders.isKind(headers, LogEvent.Kind.TRUNCATE)) {
            pending.put(offset, record.value());
        } else if (LogHeaders.isKind(headers, LogEvent.Kind.TX_END)) {
            closeTransaction(record, offset);
        } else if (LogHeaders.isKind(headers, LogEvent.Kind.LEADER_CHANGE)) {
            context.forward(new Record<>(SnapshotRecords.LEADER_KEY, record.value(), record.timestamp(), withOffset(headers, offset)));
        } else if (!LogHeaders.isKind(headers, LogEvent.Kind.HEARTBEAT)) {
            throw new IllegalStateException("log record at offset " + offset + " of '" + logTopic
                    + "' has no known kind header (tw.kind); it was not written by Tailwater capture");
        }
    }

    private void closeTransaction(Record<byte[], byte[]> end, long endOffset) {
        List<KeyValue<Long, byte[]>> changes = new ArrayList<>();
        try (KeyValueIterator<Long, byte[]> it = pending.all()) {
            it.forEachRemaining(changes::add);
        }
        for (KeyValue<Long, byte[]> change : changes) {
            switch (decode(change.value, change.key)) {
                case RowChange r when r.table().hasKey() -> keyed(r, change.key, change.value, end.timestamp());
                case RowChange r -> keyless(r, change.key, end.timestamp());
                case Truncate t -> truncate(t, change.key, end.timestamp());
                default -> throw new IllegalStateException("log record at offset " + change.key + " is neither a row nor a truncate");
            }
            pending.delete(change.key);
        }
        if (!(decode(end.value(), endOffset) instanceof TransactionEnd)) {
            throw new IllegalStateException("log record at offset " + endOffset + " is marked a transaction end but is none");
        }
        context.forward(new Record<>(SnapshotRecords.WATERMARK_KEY, end.value(), end.timestamp(), withOffset(end.headers(), endOffset)));
        watermarkListener.accept(endOffset);
    }

    private void keyed(RowChange r, long offset, byte[] value, long timestamp) {
        if (r.op() == Op.DELETE) {
            String key = SnapshotRecords.rowKey(r.table(), r.before());
            rows.delete(key);
            context.forward(new Record<>(key, null, timestamp, rowHeaders(r, offset, -1)));
            return;
        }
        String key = SnapshotRecords.rowKey(r.table(), r.after());
        if (r.before() != null) {
            String oldKey = SnapshotRecords.rowKey(r.table(), r.before());
            if (!oldKey.equals(key)) { // the update changed the key: the old one is gone
                rows.delete(oldKey);
                context.forward(new Record<>(oldKey, null, timestamp, rowHeaders(r, offset, -1)));
            }
        }
        if (Unchanged.in(r.after())) {
            byte[] earlier = rows.get(key);
            if (earlier == null) {
                throw new IllegalStateException("the update at log offset " + offset + " of '" + logTopic + "' left values of row "
                        + r.table().describeKey(r.after()) + " of table " + r.table().id() + " unsent (unchanged), and the snapshot"
                        + " holds no earlier image of that row; the snapshot cannot be exact from this log");
            }
            value = serde.serialize(logTopic, withEarlierValues(r, (RowChange) decode(earlier, offset)));
        }
        rows.put(key, value);
        context.forward(new Record<>(key, value, timestamp, rowHeaders(r, offset, -1)));
    }

    /** Rows of a table without a key are kept by their whole image, with how many equal rows there are. */
    private void keyless(RowChange r, long offset, long timestamp) {
        if (r.before() != null) {
            count(r, r.before(), -1, offset, timestamp);
        }
        if (r.after() != null) {
            count(r, r.after(), +1, offset, timestamp);
        }
    }

    private void count(RowChange r, Object[] image, int delta, long offset, long timestamp) {
        String key = SnapshotRecords.rowKey(r.table(), image);
        byte[] stored = rows.get(key);
        long count = (stored == null ? 0 : ByteBuffer.wrap(stored).getLong()) + delta;
        if (count <= 0) {
            rows.delete(key);
            context.forward(new Record<>(key, null, timestamp, rowHeaders(r, offset, 0)));
            return;
        }
        byte[] value = stored != null ? Arrays.copyOfRange(stored, Long.BYTES, stored.length)
                : serde.serialize(logTopic, new RowChange(r.table(), Op.READ, null, image, r.source()));
        rows.put(key, ByteBuffer.allocate(Long.BYTES + value.length).putLong(count).put(value).array());
        context.forward(new Record<>(key, value, timestamp, rowHeaders(r, offset, count)));
    }

    private void truncate(Truncate t, long offset, long timestamp) {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = rows.prefixScan(SnapshotRecords.tablePrefix(t.table()),
                new StringSerializer())) {
            it.forEachRemaining(kv -> keys.add(kv.key));
        }
        Headers headers = rowHeaders(t.table(), offset, -1);
        for (String key : keys) {
            rows.delete(key);
            context.forward(new Record<>(key, null, timestamp, headers));
        }
    }

    /** The update with the values it did not send taken, by column name, from the row's earlier image. */
    private static RowChange withEarlierValues(RowChange r, RowChange earlier) {
        Map<String, Object> before = new HashMap<>();
        List<Column> earlierColumns = earlier.table().columns();
        for (int i = 0; i < earlierColumns.size(); i++) {
            before.put(earlierColumns.get(i).name(), earlier.after()[i]);
        }
        TableSchema table = r.table();
        Object[] after = r.after().clone();
        for (int i = 0; i < after.length; i++) {
            if (after[i] == Unchanged.VALUE) {
                after[i] = before.get(table.columns().get(i).name());
            }
        }
        return new RowChange(table, Op.UPDATE, null, after, r.source());
    }

    private LogEvent decode(byte[] value, long offset) {
        try {
            return serde.deserialize(value);
        } catch (RuntimeException e) {
            throw new IllegalStateException("the log record at offset " + offset + " of '" + logTopic + "' cannot be decoded: "
                    + e.getMessage(), e);
        }
    }

    private static Headers rowHeaders(RowChange r, long offset, long count) {
        return rowHeaders(r.table().id(), offset, count);
    }

    /** The headers of a row record of {@code table}: kind, table, log offset and, for a keyless table, the count (when not negative). */
    private static Headers rowHeaders(TableId table, long offset, long count) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(LogHeaders.KIND, LogEvent.Kind.ROW.headerBytes());
        headers.add(LogHeaders.TABLE, table.qualified().getBytes(StandardCharsets.UTF_8));
        headers.add(SnapshotRecords.LOG_OFFSET, ascii(offset));
        if (count >= 0) {
            headers.add(SnapshotRecords.COUNT, ascii(count));
        }
        return headers;
    }

    private static Headers withOffset(Headers original, long offset) {
        RecordHeaders headers = new RecordHeaders(original.toArray());
        headers.add(SnapshotRecords.LOG_OFFSET, ascii(offset));
        return headers;
    }

    private static byte[] ascii(long n) {
        return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
    }
}
