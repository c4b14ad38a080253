package io.tailwater.schemas.connect;

import io.tailwater.schemas.Column;
import io.tailwater.schemas.ColumnType;
import io.tailwater.schemas.TableId;
import io.tailwater.schemas.TableSchema;
import io.tailwater.schemas.Unchanged;
import io.tailwater.schemas.ValueText;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Maps Debezium's Kafka Connect row schemas and values to {@link TableSchema}s and Java values.
 * Fields whose schema is named {@code io.tailwater.kind.<ColumnType>} come from capture's own
 * value converter: their values are booleans, integers and floats as themselves, bytes as
 * {@code byte[]}, and everything else as exact {@link ValueText}; {@link #UNCHANGED_TEXT} and
 * {@link #UNCHANGED_BYTES} (compared by identity) stand for an unchanged, unsent value. Other
 * fields are Debezium's own types, with the connector settings {@code decimal.handling.mode=precise},
 * {@code time.precision.mode=adaptive_time_microseconds}, {@code interval.handling.mode=string},
 * and {@code column.propagate.source.type=.*} (which carries the leader's column type, length
 * and scale as schema parameters). Not thread-safe: one instance per capture thread.
 */
public final class ConnectTables {
    static final String SOURCE_TYPE = "__debezium.source.column.type";
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
            String sourceType = p.containsKey(VALUE_TYPE) ? p.get(VALUE_TYPE).toUpperCase(java.util.Locale.ROOT)
                    : p.getOrDefault(SOURCE_TYPE, s.type().name());
            int length = intParam(p, SOURCE_LENGTH);
            int scale = intParam(p, SOURCE_SCALE);
            if (type == ColumnType.DECIMAL) {
                String precision = p.get("connect.decimal.precision");
                if (precision != null && length < 0) {
                    length = Integer.parseInt(precision);
                }
                scale = Integer.parseInt(p.getOrDefault("scale", String.valueOf(Math.max(scale, 0))));
            }
            Column column = new Column(f.name(), type, sourceType, length, scale, s.isOptional(), keys.contains(f.name()));
            if (s.defaultValue() != null) {
                try {
                    column = column.withDefault(ValueText.format(column, value(column, s, s.defaultValue())));
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

    /** The row's values in column order, converted to their Java form. */
    public static Object[] values(TableSchema table, Struct row) {
        if (row == null) {
            return null;
        }
        List<Field> fields = row.schema().fields();
        Object[] out = new Object[fields.size()];
        for (int i = 0; i < out.length; i++) {
            Field f = fields.get(i);
            out[i] = value(table.columns().get(i), f.schema(), row.get(f));
        }
        return out;
    }

    static ColumnType typeOf(TableId table, String column, Schema s) {
        String name = s.name();
        if (name != null && name.startsWith(KIND_PREFIX)) {
            return ColumnType.valueOf(name.substring(KIND_PREFIX.length()));
        }
        if (name != null) {
            switch (name) {
                case "org.apache.kafka.connect.data.Decimal": return ColumnType.DECIMAL;
                case "io.debezium.data.VariableScaleDecimal": return ColumnType.NUMERIC;
                case "io.debezium.time.Date", "org.apache.kafka.connect.data.Date": return ColumnType.DATE;
                case "io.debezium.time.MicroTime", "io.debezium.time.Time", "io.debezium.time.NanoTime": return ColumnType.TIME;
                case "io.debezium.time.MicroTimestamp", "io.debezium.time.Timestamp", "io.debezium.time.NanoTimestamp":
                    return ColumnType.TIMESTAMP;
                case "io.debezium.time.ZonedTimestamp": return ColumnType.TIMESTAMPTZ;
                case "io.debezium.data.Uuid": return ColumnType.UUID;
                case "io.debezium.data.Json": return ColumnType.JSON;
                case "io.debezium.time.Interval": return ColumnType.INTERVAL;
                default: break;
            }
        }
        return switch (s.type()) {
            case BOOLEAN -> ColumnType.BOOLEAN;
            case INT8, INT16 -> ColumnType.INT16;
            case INT32 -> ColumnType.INT32;
            case INT64 -> ColumnType.INT64;
            case FLOAT32 -> ColumnType.FLOAT32;
            case FLOAT64 -> ColumnType.FLOAT64;
            case STRING -> ColumnType.STRING;
            case BYTES -> ColumnType.BYTES;
            case ARRAY -> {
                Schema element = s.valueSchema();
                boolean supported = element.name() == null
                        ? element.type().isPrimitive() && element.type() != Schema.Type.BYTES
                        : element.name().equals("org.apache.kafka.connect.data.Decimal") || element.name().equals("io.debezium.data.Uuid")
                          || element.name().equals("io.debezium.data.Enum");
                if (!supported) {
                    throw new UnsupportedColumnException("column \"" + column.replace("\"", "\"\"") + "\" of table " + table
                            + " is an array of " + (element.name() == null ? element.type() : element.name())
                            + "; Tailwater replicates arrays of integers, floats, booleans, text, fixed-scale numerics, uuids and enums."
                            + " Leave the table out of leader.tables or the column out with leader.debezium.column.exclude.list");
                }
                yield ColumnType.ARRAY;
            }
            default -> throw new UnsupportedColumnException("column \"" + column.replace("\"", "\"\"") + "\" of table " + table
                    + " has type " + s.type() + (name == null ? "" : " (" + name + ")")
                    + ", which Tailwater does not replicate yet; leave the table out of leader.tables or drop the column");
        };
    }

    static Object value(Column c, Schema s, Object v) {
        if (v == null) {
            return null;
        }
        if (v == UNCHANGED_TEXT || v == UNCHANGED_BYTES) {
            return Unchanged.VALUE;
        }
        String name = s.name();
        if (name != null && name.startsWith(KIND_PREFIX)) {
            return switch (c.type()) {
                case BOOLEAN, INT32, INT64, FLOAT32, FLOAT64 -> v;
                case INT16 -> ((Number) v).intValue();
                case BYTES -> v instanceof ByteBuffer b ? toBytes(b) : (byte[]) v;
                default -> ValueText.parse(c, (String) v);
            };
        }
        return switch (c.type()) {
            case BOOLEAN, INT32, INT64, FLOAT32, FLOAT64, STRING, JSON, INTERVAL -> v;
            case LEADER_TEXT -> v.toString();
            case ARRAY -> io.tailwater.schemas.JsonArrays.write(c.scale() > 0 ? ((java.util.List<?>) v).stream()
                    .map(e -> e instanceof BigDecimal d ? d.setScale(c.scale(), java.math.RoundingMode.UNNECESSARY) : e).toList()
                    : (java.util.List<?>) v);
            case INT16 -> ((Number) v).intValue();
            case DECIMAL -> (BigDecimal) v;
            case NUMERIC -> {
                Struct st = (Struct) v;
                byte[] bytes = st.getBytes("value");
                yield new BigDecimal(new BigInteger(bytes), st.getInt32("scale"));
            }
            case BYTES -> v instanceof ByteBuffer b ? toBytes(b) : (byte[]) v;
            case DATE -> v instanceof java.util.Date d ? LocalDate.ofEpochDay(d.getTime() / 86_400_000L) : LocalDate.ofEpochDay((Integer) v);
            case TIME -> switch (name) {
                case "io.debezium.time.Time" -> LocalTime.ofNanoOfDay(((Number) v).longValue() * 1_000_000L);
                case "io.debezium.time.NanoTime" -> LocalTime.ofNanoOfDay(((Number) v).longValue());
                default -> LocalTime.ofNanoOfDay(((Number) v).longValue() * 1000L);
            };
            case TIMESTAMP -> {
                long n = ((Number) v).longValue();
                Instant i = switch (name) {
                    case "io.debezium.time.Timestamp" -> Instant.ofEpochMilli(n);
                    case "io.debezium.time.NanoTimestamp" -> Instant.ofEpochSecond(Math.floorDiv(n, 1_000_000_000L), Math.floorMod(n, 1_000_000_000L));
                    default -> Instant.ofEpochSecond(Math.floorDiv(n, 1_000_000L), Math.floorMod(n, 1_000_000L) * 1000L);
                };
                yield LocalDateTime.ofInstant(i, ZoneOffset.UTC);
            }
            case TIMESTAMPTZ -> OffsetDateTime.parse((String) v).toInstant();
            case UUID -> java.util.UUID.fromString((String) v);
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
