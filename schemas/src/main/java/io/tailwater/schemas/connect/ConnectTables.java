package io.tailwater.schemas.connect;

import io.tailwater.schemas.Column;
import io.tailwater.schemas.ColumnType;
import io.tailwater.schemas.TableId;
import io.tailwater.schemas.TableSchema;
import io.tailwater.schemas.Unchanged;
import io.tailwater.schemas.ValueText;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Maps Debezium's Kafka Connect row schemas and values to {@link TableSchema}s and Java values.
 * Every field comes from capture's own value converter: its schema is named
 * {@code io.tailwater.kind.<ColumnType>} and carries the leader's value type
 * ({@link #VALUE_TYPE}), length and scale ({@code column.propagate.source.type=.*}); its values
 * are booleans, integers and floats as themselves, bytes as {@code byte[]}, and everything else as
 * exact {@link ValueText}. {@link #UNCHANGED_TEXT} and {@link #UNCHANGED_BYTES} (compared by
 * identity) stand for an unchanged, unsent value. Not thread-safe: one instance per capture thread.
 */
public final class ConnectTables {
    static final String SOURCE_LENGTH = "__debezium.source.column.length";
    static final String SOURCE_SCALE = "__debezium.source.column.scale";

    /** The prefix of the schema names capture's converter gives its fields; the rest is the {@link ColumnType}. */
    public static final String KIND_PREFIX = "io.tailwater.kind.";
    /** Schema parameter of the converter's fields: the leader type the values are of (a domain's base type), in place of the column's own type. */
    public static final String VALUE_TYPE = "tailwater.value.type";
    /** A converter's value for an unchanged, unsent text column: this very instance, never equal text. */
    @SuppressWarnings("StringOperationCanBeSimplified")
    public static final String UNCHANGED_TEXT = new String("(unchanged)");
    /** A converter's value for an unchanged, unsent bytes column: this very instance. */
    public static final byte[] UNCHANGED_BYTES = new byte[0];

    private final Map<Schema, TableSchema> tables = new IdentityHashMap<>();

    /** The table for a row schema (the {@code after}/{@code before} struct schema) and key schema. */
    public TableSchema table(TableId id, Schema rowSchema, Schema keySchema) {
        TableSchema cached = tables.get(rowSchema);
        if (cached != null && cached.id().equals(id)) {
            return cached;
        }
        Set<String> keys = new HashSet<>();
        if (keySchema != null && keySchema.type() == Schema.Type.STRUCT) {
            for (Field f : keySchema.fields()) {
                keys.add(f.name());
            }
        }
        List<Column> columns = new ArrayList<>();
        for (Field f : rowSchema.fields()) {
            Schema s = f.schema();
            Map<String, String> p = s.parameters() == null ? Map.of() : s.parameters();
            ColumnType type = typeOf(id, f.name(), s);
            String sourceType = p.getOrDefault(VALUE_TYPE, "").toUpperCase(java.util.Locale.ROOT);
            int length = intParam(p, SOURCE_LENGTH);
            int scale = intParam(p, SOURCE_SCALE);
            Column column = new Column(f.name(), type, sourceType, length, scale, s.isOptional(), keys.contains(f.name()));
            if (s.defaultValue() != null) {
                try {
                    column = column.withDefault(ValueText.format(column, value(column, s.defaultValue())));
                } catch (RuntimeException e) {
                    // a default Debezium cannot give as a constant: followers get no default
                }
            }
            columns.add(column);
        }
        TableSchema table = new TableSchema(id, columns);
        tables.put(rowSchema, table);
        return table;
    }

    /**
     * The field schema a capture converter gives a column of {@code kind}: native booleans,
     * integers, floats and bytes, text for the rest, named by the kind and carrying the leader's
     * value type ({@link #VALUE_TYPE}).
     */
    public static SchemaBuilder fieldSchema(ColumnType kind, String valueType) {
        SchemaBuilder schema = switch (kind) {
            case BOOLEAN -> SchemaBuilder.bool();
            case INT16, INT32 -> SchemaBuilder.int32();
            case INT64 -> SchemaBuilder.int64();
            case FLOAT32 -> SchemaBuilder.float32();
            case FLOAT64 -> SchemaBuilder.float64();
            case BYTES -> SchemaBuilder.bytes();
            default -> SchemaBuilder.string();
        };
        return schema.name(KIND_PREFIX + kind.name()).parameter(VALUE_TYPE, valueType);
    }

    /** The row's values in column order, converted to their Java form. */
    public static Object[] values(TableSchema table, Struct row) {
        if (row == null) {
            return null;
        }
        List<Field> fields = row.schema().fields();
        Object[] out = new Object[fields.size()];
        for (int i = 0; i < out.length; i++) {
            Field f = fields.get(i);
            // Not row.get(f): that gives the column's default for a NULL, and the leader's NULL must stay NULL.
            out[i] = value(table.columns().get(i), row.getWithoutDefault(f.name()));
        }
        return out;
    }

    /** The kind capture's converter gave a field; any other field schema is refused, naming the column. */
    static ColumnType typeOf(TableId table, String column, Schema s) {
        String name = s.name();
        if (name == null || !name.startsWith(KIND_PREFIX)) {
            throw new UnsupportedColumnException("column \"" + column.replace("\"", "\"\"") + "\" of table " + table
                    + " did not go through Tailwater's value converter (schema " + (name == null ? s.type() : name)
                    + "); remove any converters set under leader.debezium and restart capture");
        }
        return ColumnType.valueOf(name.substring(KIND_PREFIX.length()));
    }

    /**
     * A column's Java value (see {@link ColumnType}) from the one capture's converter gives:
     * native, bytes, or exact {@link ValueText}.
     */
    public static Object value(Column c, Object v) {
        if (v == null) {
            return null;
        }
        if (v == UNCHANGED_TEXT || v == UNCHANGED_BYTES) {
            return Unchanged.VALUE;
        }
        return switch (c.type()) {
            case BOOLEAN, INT32, INT64, FLOAT32, FLOAT64 -> v;
            case INT16 -> ((Number) v).intValue();
            case BYTES -> v instanceof ByteBuffer b ? toBytes(b) : (byte[]) v;
            default -> ValueText.parse(c, (String) v);
        };
    }

    private static int intParam(Map<String, String> p, String key) {
        String v = p.get(key);
        if (v == null) {
            return -1;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static byte[] toBytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
