package io.tailwater.capture.mariadb;

import io.tailwater.capture.SourceFormat;
import io.tailwater.schemas.TableId;
import io.tailwater.schemas.event.Gtids;
import io.tailwater.schemas.event.SourcePosition;
import org.apache.kafka.connect.data.Struct;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The source structs and offsets of Debezium's MariaDB connector. A table is named by its
 * database; positions are GTIDs (there is no LSN: -1), and a transaction's id is its GTID.
 * A transaction end's offset holds the GTIDs before the transaction, so its position adds the
 * transaction's own.
 */
public final class MariaDbSourceFormat implements SourceFormat {

    @Override
    public TableId table(Struct source) {
        return new TableId(source.getString("db"), source.getString("table"));
    }

    @Override
    public SourcePosition row(int epoch, Struct source) {
        boolean snapshot = SourceFormat.snapshot(source);
        String gtid = source.schema().field("gtid") != null ? source.getString("gtid") : null;
        return new SourcePosition(epoch, -1, snapshot || gtid == null ? -1 : Gtids.sequenceOf(gtid), SourceFormat.micros(source), snapshot, gtid);
    }

    @Override
    public String transactionId(String id) {
        return id;
    }

    @Override
    public SourcePosition end(int epoch, String id, Map<String, ?> offset, long micros) {
        String before = offset.get("gtids") instanceof String g ? g : "";
        String after = Gtids.parse(before.isEmpty() ? id : before + "," + id).toString();
        return new SourcePosition(epoch, -1, Gtids.sequenceOf(id), micros, false, after);
    }

    /** TRUNCATE is DDL in MariaDB: it commits by itself under its own GTID, and Debezium gives it a BEGIN but no END. */
    @Override
    public String statementTransaction(Struct source) {
        return source.schema().field("gtid") != null ? source.getString("gtid") : null;
    }

    @Override
    public SourcePosition heartbeat(int epoch, Map<String, ?> offset, long micros) {
        String gtids = offset.get("gtids") instanceof String g ? Gtids.parse(g).toString() : null;
        return new SourcePosition(epoch, -1, -1, micros, false, gtids);
    }

    /** The last snapshot record's offset is already the binlog position streaming starts at. */
    @Override
    public Map<String, Object> streamingOffset(Map<String, ?> lastSnapshotOffset) {
        Map<String, Object> streaming = new LinkedHashMap<>(lastSnapshotOffset);
        streaming.remove("snapshot");
        streaming.put("snapshot_completed", true);
        return streaming;
    }
}
