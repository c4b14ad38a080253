package io.tailwater.schemas;

import io.tailwater.schemas.event.Heartbeat;
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
        }
        return rec;
    }

    public LogEvent decode(GenericRecord rec) {
        Schema schema = rec.getSchema();
        if (AvroSchemas.isRowEnvelope(schema)) {
            TableSchema table = tables.computeIfAbsent(schema, AvroSchemas::tableOf);
            Op op = Op.fromCode(rec.get("op").toString());
            return new RowChange(table, op, values(table, (GenericRecord) rec.get("before")),
                    values(table, (GenericRecord) rec.get("after")), source((GenericRecord) rec.get("source")));
        }
        return switch (schema.getFullName()) {
            case "io.tailwater.TransactionEnd" -> new TransactionEnd(rec.get("txId").toString(),
                    source((GenericRecord) rec.get("source")), (Long) rec.get("eventCount"), rec.get("sourceOffset").toString());
            case "io.tailwater.Truncate" -> new Truncate(new TableId(rec.get("schema").toString(), rec.get("table").toString()),
                    source((GenericRecord) rec.get("source")));
            case "io.tailwater.Heartbeat" -> new Heartbeat(source((GenericRecord) rec.get("source")));
            default -> throw new IllegalArgumentException("record type " + schema.getFullName() + " is not part of a Tailwater log");
        };
    }

    private static GenericRecord row(Schema value, List<Column> columns, Object[] values) {
        if (values == null) {
            return null;
        }
        GenericData.Record rec = new GenericData.Record(value);
        for (int i = 0; i < values.length; i++) {
            rec.put(i, AvroValues.toAvro(columns.get(i), values[i]));
        }
        return rec;
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
        return rec;
    }

    private static SourcePosition source(GenericRecord rec) {
        return new SourcePosition((Integer) rec.get(0), (Long) rec.get(1), (Long) rec.get(2), (Long) rec.get(3), (Boolean) rec.get(4));
    }
}
