package io.tailwater.capture;

import io.tailwater.schemas.TableId;
import io.tailwater.schemas.event.SourcePosition;
import org.apache.kafka.connect.data.Struct;

import java.util.Map;

/**
 * How one kind of leader's Debezium records name their table and where they come from: the
 * {@code source} struct of a row, the source offset of a transaction end or heartbeat, and the
 * offset that resumes streaming once the initial snapshot is complete.
 */
public interface SourceFormat {

    /** The table a row's {@code source} struct names. */
    TableId table(Struct source);

    /** Where a row comes from. */
    SourcePosition row(int epoch, Struct source);

    /** The log's transaction id of a leader transaction Debezium's transaction metadata calls {@code id}. */
    String transactionId(String id);

    /**
     * Where a leader transaction ends.
     *
     * @param id its id, as {@link #transactionId} gives it
     * @param offset the source offset of its transaction-end event
     * @param micros its commit time, when the offset has none of its own
     */
    SourcePosition end(int epoch, String id, Map<String, ?> offset, long micros);

    /** The position a heartbeat stands for: every leader commit read so far. */
    SourcePosition heartbeat(int epoch, Map<String, ?> offset, long micros);

    /**
     * The offset to resume from after the last record of a complete initial snapshot, marked
     * {@code "snapshot_completed": true}.
     */
    Map<String, Object> streamingOffset(Map<String, ?> lastSnapshotOffset);

    /**
     * The transaction id of a truncate that commits by itself, with no transaction-end event
     * to follow (MariaDB's TRUNCATE, a DDL statement), from its {@code source} struct; null where
     * a truncate is part of a transaction that ends as others do (PostgreSQL).
     */
    default String statementTransaction(Struct source) {
        return null;
    }

    /** Whether a row's {@code source} struct says the initial snapshot read it. */
    static boolean snapshot(Struct source) {
        Object snap = source.get("snapshot");
        return snap != null && !"false".equals(snap.toString());
    }

    /** A number in a source offset, or {@code fallback}. */
    static long number(Map<String, ?> offset, String key, long fallback) {
        return offset.get(key) instanceof Number n ? n.longValue() : fallback;
    }

    /** The commit time in a row's {@code source} struct, in microseconds. */
    static long micros(Struct source) {
        Object tsUs = source.schema().field("ts_us") != null ? source.get("ts_us") : null;
        return tsUs instanceof Number n ? n.longValue() : source.getInt64("ts_ms") * 1000;
    }
}
