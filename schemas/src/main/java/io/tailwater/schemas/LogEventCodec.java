package io.tailwater.schemas;

import io.tailwater.schemas.event.Heartbeat;
import io.tailwater.schemas.event.LeaderChange;
import io.tailwater.schemas.event.LogEvent;
import io.tailwater.schemas.event.Op;
import io.tailwater.schemas.event.RowChange;
import io.tailwater.schemas.event.SourcePosition;
import io.tailwater.schemas.event.TransactionEnd;
import io.tailwater.schemas.event.Truncate;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Converts {@link LogEvent}s to Avro generic records and back. Row envelope schemas are built
 * once per table version (per {@link TableSchema} instance) and cached; decoding caches the table
 * read from each writer schema.
 */
public final class LogEventCodec {
    // By identity: capture hands out one TableSchema per table version, and a record's deep
    // hashCode would otherwise be recomputed for every row.
    private final Map<TableSchema, Schema> envelopes = java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());
    private final Map<Schema, TableSchema> tables = new ConcurrentHashMap<>();

    /** The Avro schema an event is written with. */
    public Schema schemaOf(LogEvent event) {
        return switch (event) {
            case RowChange r -> envelopes.computeIfAbsent(r.table(), AvroSchemas::rowEnvelope);
            case TransactionEnd t -> AvroSchemas.TX_END;
            case Truncate t -> AvroSchemas.TRUNCATE;
            case Heartbeat h -> AvroSchemas.HEARTBEAT;
            case LeaderChange c -> AvroSchemas.LEADER_CHANGE;
        };
    }

    public GenericRecord encode(LogEvent event) {
        Schema schema = schemaOf(event);
        GenericData.Record rec = new GenericData.Record(schema);
        switch (event) {
            case RowChange r -> {
                rec.put(0, new GenericData.EnumSymbol(AvroSchemas.OP, r.op().code()));
                Schema value = AvroSchemas.nonNull(schema.getField("after").schema());
                rec.put(1, row(value, r.table().columns(), r.before()));
                rec.put(2, row(value, r.table().columns(), r.after()));
                rec.put(3, source(r.source()));
                rec.put(4, unchangedColumns(r));
            }
            case TransactionEnd t -> {
                rec.put(0, t.txId());
                rec.put(1, source(t.source()));
                rec.put(2, t.eventCount());
                rec.put(3, t.sourceOffset());
            }
            case Truncate t -> {
                rec.put(0, t.table().schema());
                rec.put(1, t.table().table());
                rec.put(2, source(t.source()));
            }
            case Heartbeat h -> rec.put(0, source(h.source()));
            case LeaderChange c -> {
                rec.put(0, c.epoch());
                rec.put(1, c.leader());
                rec.put(2, c.leaderKind());
                rec.put(3, c.takeoverOffset());
                rec.put(4, source(c.lastOldLeaderPosition()));
                rec.put(5, c.planned());
                rec.put(6, c.slot());
                rec.put(7, c.startOffset());
            }
        }
        return rec;
    }

    public LogEvent decode(GenericRecord rec) {
        Schema schema = rec.getSchema();
        if (AvroSchemas.isRowEnvelope(schema)) {
            TableSchema table = tables.computeIfAbsent(schema, AvroSchemas::tableOf);
            Op op = Op.fromCode(rec.get("op").toString());
            Object[] after = values(table, (GenericRecord) rec.get("after"));
            if (after != null && schema.getField(AvroSchemas.UNCHANGED) != null) {
                markUnchanged(table, after, (List<?>) rec.get(AvroSchemas.UNCHANGED));
            }
            return new RowChange(table, op, values(table, (GenericRecord) rec.get("before")), after,
                    source((GenericRecord) rec.get("source")));
        }
        return switch (schema.getFullName()) {
            case "io.tailwater.TransactionEnd" -> new TransactionEnd(rec.get("txId").toString(),
                    source((GenericRecord) rec.get("source")), (Long) rec.get("eventCount"), rec.get("sourceOffset").toString());
            case "io.tailwater.Truncate" -> new Truncate(new TableId(rec.get("schema").toString(), rec.get("table").toString()),
                    source((GenericRecord) rec.get("source")));
            case "io.tailwater.Heartbeat" -> new Heartbeat(source((GenericRecord) rec.get("source")));
            case "io.tailwater.LeaderChange" -> new LeaderChange((Integer) rec.get("epoch"), rec.get("leader").toString(),
                    rec.get("leaderKind").toString(), (Long) rec.get("takeoverOffset"),
                    source((GenericRecord) rec.get("lastOldLeaderPosition")), (Boolean) rec.get("planned"), rec.get("slot").toString(),
                    rec.get("startOffset").toString());
            default -> throw new IllegalArgumentException("record type " + schema.getFullName() + " is not part of a Tailwater log");
        };
    }

    private static GenericRecord row(Schema value, List<Column> columns, Object[] values) {
        if (values == null) {
            return null;
        }
        GenericData.Record rec = new GenericData.Record(value);
        for (int i = 0; i < values.length; i++) {
            Column c = columns.get(i);
            rec.put(i, values[i] == Unchanged.VALUE ? unchangedPlaceholder(c) : AvroValues.toAvro(c, values[i]));
        }
        return rec;
    }

    /** The names of the columns an update left unchanged, as the envelope's {@code unchanged} field lists them. */
    private static List<String> unchangedColumns(RowChange r) {
        Object[] after = r.after();
        if (!Unchanged.in(after)) {
            return List.of();
        }
        List<String> names = new java.util.ArrayList<>();
        for (int i = 0; i < after.length; i++) {
            if (after[i] == Unchanged.VALUE) {
                names.add(r.table().columns().get(i).name());
            }
        }
        return names;
    }

    /** What {@code after} holds for an unchanged column: NULL, or for a NOT NULL column an empty value of its type. */
    private static Object unchangedPlaceholder(Column c) {
        if (c.optional()) {
            return null;
        }
        return switch (c.type()) {
            case STRING, JSON, INTERVAL, ARRAY, LEADER_TEXT, NUMERIC -> "";
            case BYTES -> java.nio.ByteBuffer.allocate(0);
            case DECIMAL -> java.nio.ByteBuffer.wrap(new byte[] {0});
            default -> throw new IllegalArgumentException("column \"" + c.name() + "\" of kind " + c.type()
                    + " cannot be left out of an update: only variable-length values are sent as unchanged");
        };
    }

    private static void markUnchanged(TableSchema table, Object[] after, List<?> names) {
        for (Object name : names) {
            String n = name.toString();
            for (int i = 0; i < after.length; i++) {
                if (table.columns().get(i).name().equals(n)) {
                    after[i] = Unchanged.VALUE;
                }
            }
        }
    }

    private static Object[] values(TableSchema table, GenericRecord rec) {
        if (rec == null) {
            return null;
        }
        List<Column> columns = table.columns();
        Object[] out = new Object[columns.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = AvroValues.fromAvro(columns.get(i), rec.get(i));
        }
        return out;
    }

    private static GenericRecord source(SourcePosition p) {
        GenericData.Record rec = new GenericData.Record(AvroSchemas.SOURCE);
        rec.put(0, p.epoch());
        rec.put(1, p.lsn());
        rec.put(2, p.txId());
        rec.put(3, p.timestampMicros());
        rec.put(4, p.snapshot());
        rec.put(5, p.gtid());
        return rec;
    }

    private static SourcePosition source(GenericRecord rec) {
        // Logs written before the gtid field have five fields: the writer's schema is the one read with.
        Object gtid = rec.getSchema().getFields().size() > 5 ? rec.get(5) : null;
        return new SourcePosition((Integer) rec.get(0), (Long) rec.get(1), (Long) rec.get(2), (Long) rec.get(3), (Boolean) rec.get(4),
                gtid == null ? null : gtid.toString());
    }
}
