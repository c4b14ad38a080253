package io.tailwater.log;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tailwater.schemas.Column;
import io.tailwater.schemas.ColumnType;
import io.tailwater.schemas.TableId;
import io.tailwater.schemas.TableSchema;
import io.tailwater.schemas.ValueText;
import io.tailwater.schemas.event.LogHeaders;
import org.apache.kafka.common.header.Headers;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * The record format of {@code <stream>.snapshot}, shared by the process that keeps it
 * ({@code tailwater compact}) and the appliers that load it.
 *
 * <ul>
 *   <li>A row's key is a JSON array: schema, table, then the key columns' values in their
 *   lossless text form ({@link ValueText}), in column order. A table without a key is keyed by
 *   every column, and its record carries in {@link #COUNT} how many equal rows the table holds.
 *   <li>A row's value is the log's own row record (the same Avro schema and registry id), whose
 *   {@code after} is the row's whole latest image. A tombstone (null value) is a row that is gone.
 *   <li>{@link #WATERMARK_KEY} holds the log's transaction end up to which the snapshot reflects
 *   every leader transaction, whole; {@link #LEADER_KEY} holds the log's latest leader change.
 *   <li>Every record carries in {@link #LOG_OFFSET} the log offset it stands for.
 * </ul>
 */
public final class SnapshotRecords {
    /** The key of the watermark record. */
    public static final String WATERMARK_KEY = "[\"tailwater.watermark\"]";
    /** The key of the latest leader change. */
    public static final String LEADER_KEY = "[\"tailwater.leader\"]";
    /** Header: the log offset the record stands for, as decimal text. */
    public static final String LOG_OFFSET = "tw.log-offset";
    /** Header on rows of tables without a key: how many equal rows the table holds, as decimal text. */
    public static final String COUNT = "tw.count";

    private static final ObjectMapper JSON = new ObjectMapper();

    private SnapshotRecords() {
    }

    /** The snapshot key of a row: its table and the values that identify it (see {@link TableSchema#identityIndexes()}). */
    public static String rowKey(TableSchema table, Object[] row) {
        List<Object> parts = new ArrayList<>();
        parts.add(table.id().schema());
        parts.add(table.id().table());
        for (int i : table.identityIndexes()) {
            Column c = table.columns().get(i);
            Object v = row[i];
            // numeric keys equal in the leader's index (1.0 and 1.00) are one key here too
            parts.add(v instanceof BigDecimal d && (c.type() == ColumnType.DECIMAL || c.type() == ColumnType.NUMERIC)
                    ? (d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString()) : ValueText.format(c, v));
        }
        return json(parts);
    }

    /** The start every row key of {@code table} shares, for a prefix scan. */
    public static String tablePrefix(TableId table) {
        String all = json(List.of(table.schema(), table.table()));
        return all.substring(0, all.length() - 1) + ",";
    }

    /** The table a row key names, or null for the watermark and leader records. */
    public static TableId table(String key) {
        if (key.equals(WATERMARK_KEY) || key.equals(LEADER_KEY)) {
            return null;
        }
        try {
            var node = JSON.readTree(key);
            return new TableId(node.get(0).asText(), node.get(1).asText());
        } catch (JsonProcessingException | RuntimeException e) {
            throw new IllegalArgumentException("'" + key + "' is not a snapshot key", e);
        }
    }

    /** The log offset a snapshot record stands for, or -1 when it carries none. */
    public static long logOffset(Headers headers) {
        return LogHeaders.number(headers, LOG_OFFSET);
    }

    /** How many equal rows a record of a keyless table stands for: 1 when it carries no count. */
    public static long count(Headers headers) {
        long n = LogHeaders.number(headers, COUNT);
        return n < 0 ? 1 : n;
    }

    private static String json(List<Object> parts) {
        try {
            return JSON.writeValueAsString(parts);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
