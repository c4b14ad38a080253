package io.tailwater.schemas;

import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.List;

/**
 * The Avro schemas of the replication log: one typed row envelope per table version, and the
 * control records. Row envelopes carry everything a follower needs to create a faithful table
 * as schema properties ({@code tailwater.*}), so any Avro consumer can also read the stream.
 *
 * <pre>
 * record io.tailwater.row.&lt;table&gt; { op: Op, before: [null, Value], after: [null, Value], source: Source,
 *                                      unchanged: array&lt;string&gt; }
 * </pre>
 * A column whose kind can hold a {@link Special} value is a union of its typed schema and
 * {@code string}: the string branch carries only {@code NaN}, {@code Infinity}, {@code -Infinity},
 * {@code infinity}, {@code -infinity} or {@code 24:00:00}. {@code unchanged} names the columns
 * (leader names) of an update whose values the leader did not send because they did not change;
 * {@code after} holds NULL (or, for a NOT NULL column, an empty value) for them, and a reader must
 * keep the value it has.
 */
public final class AvroSchemas {
    public static final String NAMESPACE = "io.tailwater";
    public static final String ROW_NAMESPACE = "io.tailwater.row";

    public static final String PROP_TABLE_SCHEMA = "tailwater.table.schema";
    public static final String PROP_TABLE_NAME = "tailwater.table.name";
    public static final String PROP_COLUMN = "tailwater.column";
    public static final String PROP_TYPE = "tailwater.type";
    public static final String PROP_SOURCE_TYPE = "tailwater.source.type";
    public static final String PROP_LENGTH = "tailwater.source.length";
    public static final String PROP_SCALE = "tailwater.source.scale";
    public static final String PROP_KEY = "tailwater.key";
    public static final String PROP_DEFAULT = "tailwater.default";
    /** The envelope field listing the columns an update left unchanged and the leader did not send (see {@link Unchanged}). */
    public static final String UNCHANGED = "unchanged";

    public static final Schema OP = SchemaBuilder.enumeration("Op").namespace(NAMESPACE).symbols("r", "c", "u", "d");

    public static final Schema SOURCE = SchemaBuilder.record("Source").namespace(NAMESPACE)
            .doc("Where on the leader the event comes from.")
            .fields()
            .name("epoch").doc("leader epoch").type().intType().noDefault()
            .name("lsn").doc("PostgreSQL LSN; -1 for a MariaDB leader").type().longType().noDefault()
            .name("txId").doc("leader transaction id, -1 for snapshot reads").type().longType().noDefault()
            .name("tsMicros").doc("leader commit time, microseconds since the epoch").type().longType().noDefault()
            .name("snapshot").type().booleanType().noDefault()
            .name("gtid").doc("MariaDB leader: the GTID position after the event (domain-server-seq, comma-separated per domain);"
                    + " null for PostgreSQL").type().optional().stringType()
            .endRecord();

    public static final Schema TX_END = SchemaBuilder.record("TransactionEnd").namespace(NAMESPACE)
            .doc("Closes a leader transaction; carries the Debezium source offset capture resumes from.")
            .fields()
            .name("txId").type().stringType().noDefault()
            .name("source").type(SOURCE).noDefault()
            .name("eventCount").type().longType().noDefault()
            .name("sourceOffset").doc("Debezium source offset, JSON").type().stringType().noDefault()
            .endRecord();

    public static final Schema TRUNCATE = SchemaBuilder.record("Truncate").namespace(NAMESPACE)
            .fields()
            .name("schema").type().stringType().noDefault()
            .name("table").type().stringType().noDefault()
            .name("source").type(SOURCE).noDefault()
            .endRecord();

    public static final Schema HEARTBEAT = SchemaBuilder.record("Heartbeat").namespace(NAMESPACE)
            .fields()
            .name("source").type(SOURCE).noDefault()
            .endRecord();

    public static final Schema LEADER_CHANGE = SchemaBuilder.record("LeaderChange").namespace(NAMESPACE)
            .doc("Starts a new leader epoch: the follower it names is the leader from here on.")
            .fields()
            .name("epoch").type().intType().noDefault()
            .name("leader").doc("the follower that became the leader").type().stringType().noDefault()
            .name("leaderKind").type().stringType().noDefault()
            .name("takeoverOffset").doc("log offset from which the new leader's changes follow").type().longType().noDefault()
            .name("lastOldLeaderPosition").doc("the last position of the old leader in the log").type(SOURCE).noDefault()
            .name("planned").doc("switchover (old leader drained) rather than failover").type().booleanType().noDefault()
            .name("slot").doc("the replication slot on the new leader that capture reads from").type().stringType().noDefault()
            .name("startOffset").doc("source offset capture on the new leader starts from, JSON").type().stringType().noDefault()
            .endRecord();

    private AvroSchemas() {
    }

    /** The row envelope schema for one table version. */
    public static Schema rowEnvelope(TableSchema table) {
        String name = AvroNames.of(table.id().schema()) + "__" + AvroNames.of(table.id().table());
        List<Schema.Field> fields = new ArrayList<>();
        Set<String> used = new HashSet<>();
        for (Column c : table.columns()) {
            String fieldName = AvroNames.of(c.name());
            while (!used.add(fieldName)) {
                fieldName = fieldName + "_";
            }
            Schema type = fieldSchema(c);
            Object avroDefault = c.optional() || c.defaultText() == null ? null : avroDefault(c);
            Schema.Field f = c.optional()
                    ? new Schema.Field(fieldName, type, null, Schema.Field.NULL_DEFAULT_VALUE)
                    : avroDefault != null
                    // the leader's default is the Avro default too, so adding such a column stays BACKWARD compatible
                    ? new Schema.Field(fieldName, type, null, avroDefault)
                    : new Schema.Field(fieldName, type);
            f.addProp(PROP_COLUMN, c.name());
            f.addProp(PROP_TYPE, c.type().name());
            f.addProp(PROP_SOURCE_TYPE, c.sourceType());
            f.addProp(PROP_LENGTH, c.length());
            f.addProp(PROP_SCALE, c.scale());
            f.addProp(PROP_KEY, c.key());
            if (c.defaultText() != null) {
                f.addProp(PROP_DEFAULT, c.defaultText());
            }
            fields.add(f);
        }
        Schema value = Schema.createRecord(name + "_Value", null, ROW_NAMESPACE, false, fields);
        Schema nullableValue = Schema.createUnion(Schema.create(Schema.Type.NULL), value);
        Schema envelope = SchemaBuilder.record(name).namespace(ROW_NAMESPACE)
                .doc("Row change of " + table.id())
                .prop(PROP_TABLE_SCHEMA, table.id().schema())
                .prop(PROP_TABLE_NAME, table.id().table())
                .fields()
                .name("op").type(OP).noDefault()
                .name("before").type(nullableValue).withDefault(null)
                .name("after").type(nullableValue).withDefault(null)
                .name("source").type(SOURCE).noDefault()
                .name(UNCHANGED).doc("columns of an update the leader did not send because they did not change: keep their values")
                .type().array().items().stringType().arrayDefault(List.of())
                .endRecord();
        return envelope;
    }

    /** Reads the table back from a row envelope schema (any version this project wrote). */
    public static TableSchema tableOf(Schema envelope) {
        String schema = envelope.getProp(PROP_TABLE_SCHEMA);
        String table = envelope.getProp(PROP_TABLE_NAME);
        if (schema == null || table == null) {
            throw new IllegalArgumentException("schema " + envelope.getFullName() + " is not a Tailwater row envelope");
        }
        Schema value = nonNull(envelope.getField("after").schema());
        List<Column> columns = new ArrayList<>();
        for (Schema.Field f : value.getFields()) {
            columns.add(new Column(
                    (String) f.getObjectProp(PROP_COLUMN),
                    ColumnType.valueOf((String) f.getObjectProp(PROP_TYPE)),
                    (String) f.getObjectProp(PROP_SOURCE_TYPE),
                    ((Number) f.getObjectProp(PROP_LENGTH)).intValue(),
                    ((Number) f.getObjectProp(PROP_SCALE)).intValue(),
                    f.schema().getType() == Schema.Type.UNION && f.schema().getTypes().get(0).getType() == Schema.Type.NULL,
                    Boolean.TRUE.equals(f.getObjectProp(PROP_KEY)),
                    f.getProp(PROP_DEFAULT)));
        }
        return new TableSchema(new TableId(schema, table), columns);
    }

    /** Whether a schema is a row envelope (as opposed to a control record). */
    public static boolean isRowEnvelope(Schema schema) {
        return ROW_NAMESPACE.equals(schema.getNamespace()) && schema.getProp(PROP_TABLE_NAME) != null;
    }

    /** The Avro default of a column's leader default, or null when it has none Avro can state (a {@link Special} one). */
    private static Object avroDefault(Column c) {
        Object parsed = ValueText.parse(c, c.defaultText());
        if (parsed instanceof Special) {
            return null;
        }
        Object v = AvroValues.toAvro(c, parsed);
        if (v instanceof java.nio.ByteBuffer b) {
            byte[] bytes = new byte[b.remaining()];
            b.duplicate().get(bytes);
            return new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1); // Avro's JSON form of bytes defaults
        }
        return v;
    }

    static Schema nonNull(Schema s) {
        if (s.getType() != Schema.Type.UNION) {
            return s;
        }
        for (Schema t : s.getTypes()) {
            if (t.getType() != Schema.Type.NULL) {
                return t;
            }
        }
        throw new IllegalArgumentException("union without a non-null branch: " + s);
    }

    /** A field's schema: the value's, in a union with {@code string} where it can be {@link Special}, and with null first where optional. */
    static Schema fieldSchema(Column c) {
        List<Schema> branches = new ArrayList<>();
        if (c.optional()) {
            branches.add(Schema.create(Schema.Type.NULL));
        }
        branches.add(valueSchema(c));
        if (Special.possibleFor(c.type()) && c.type() != ColumnType.NUMERIC) {
            branches.add(Schema.create(Schema.Type.STRING));
        }
        return branches.size() == 1 ? branches.get(0) : Schema.createUnion(branches);
    }

    static Schema valueSchema(Column c) {
        return switch (c.type()) {
            case BOOLEAN -> Schema.create(Schema.Type.BOOLEAN);
            case INT16, INT32 -> Schema.create(Schema.Type.INT);
            case INT64 -> Schema.create(Schema.Type.LONG);
            case FLOAT32 -> Schema.create(Schema.Type.FLOAT);
            case FLOAT64 -> Schema.create(Schema.Type.DOUBLE);
            case DECIMAL -> LogicalTypes.decimal(Math.max(c.length(), Math.max(c.scale(), 1)), Math.max(c.scale(), 0))
                    .addToSchema(Schema.create(Schema.Type.BYTES));
            case NUMERIC, STRING, JSON, INTERVAL, ARRAY, LEADER_TEXT -> Schema.create(Schema.Type.STRING);
            case BYTES -> Schema.create(Schema.Type.BYTES);
            case DATE -> LogicalTypes.date().addToSchema(Schema.create(Schema.Type.INT));
            case TIME -> LogicalTypes.timeMicros().addToSchema(Schema.create(Schema.Type.LONG));
            case TIMESTAMP -> LogicalTypes.localTimestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
            case TIMESTAMPTZ -> LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
            case UUID -> LogicalTypes.uuid().addToSchema(Schema.create(Schema.Type.STRING));
        };
    }
}
