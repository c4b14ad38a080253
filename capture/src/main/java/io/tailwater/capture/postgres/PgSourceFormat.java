package io.tailwater.capture.postgres;

import io.tailwater.capture.SourceFormat;
import io.tailwater.schemas.TableId;
import io.tailwater.schemas.event.SourcePosition;
import org.apache.kafka.connect.data.Struct;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The source structs and offsets of Debezium's PostgreSQL connector: positions are LSNs and transaction ids. */
public final class PgSourceFormat implements SourceFormat {

    @Override
    public TableId table(Struct source) {
        return new TableId(source.getString("schema"), source.getString("table"));
    }

    @Override
    public SourcePosition row(int epoch, Struct source) {
        boolean snapshot = SourceFormat.snapshot(source);
        Long lsn = source.getInt64("lsn");
        Long tx = source.getInt64("txId");
        return new SourcePosition(epoch, lsn == null ? -1 : lsn, tx == null || snapshot ? -1 : tx, SourceFormat.micros(source), snapshot);
    }

    /** Debezium's id is {@code txid:lsn}. */
    @Override
    public String transactionId(String id) {
        int colon = id.indexOf(':');
        return colon < 0 ? id : id.substring(0, colon);
    }

    @Override
    public SourcePosition end(int epoch, String id, Map<String, ?> offset, long micros) {
        return position(epoch, offset, parseLong(id), SourceFormat.number(offset, "ts_usec", micros));
    }

    @Override
    public SourcePosition heartbeat(int epoch, Map<String, ?> offset, long micros) {
        return position(epoch, offset, SourceFormat.number(offset, "txId", -1), micros);
    }

    /** The streaming offset Debezium itself resumes from after a snapshot: the snapshot's LSN. */
    @Override
    public Map<String, Object> streamingOffset(Map<String, ?> lastSnapshotOffset) {
        Map<String, Object> streaming = new LinkedHashMap<>();
        for (String key : List.of("lsn", "txId", "ts_usec")) {
            if (lastSnapshotOffset.containsKey(key)) {
                streaming.put(key, lastSnapshotOffset.get(key));
            }
        }
        streaming.put("snapshot_completed", true);
        return streaming;
    }

    /** The streaming position a source offset names (its commit LSN). */
    private static SourcePosition position(int epoch, Map<String, ?> offset, long txId, long micros) {
        return new SourcePosition(epoch, SourceFormat.number(offset, "lsn_commit", SourceFormat.number(offset, "lsn", -1)), txId, micros,
                false);
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
