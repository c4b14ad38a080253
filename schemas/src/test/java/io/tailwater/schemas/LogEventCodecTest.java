package io.tailwater.schemas;

import io.tailwater.schemas.event.LogEvent;
import io.tailwater.schemas.event.Op;
import io.tailwater.schemas.event.RowChange;
import io.tailwater.schemas.event.SourcePosition;
import io.tailwater.schemas.event.TransactionEnd;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class LogEventCodecTest {
    private final LogEventCodec codec = new LogEventCodec();

    @Test
    void everyColumnTypeRoundTripsThroughAvroBinary() throws Exception {
        List<Column> columns = new ArrayList<>();
        List<Object> values = new ArrayList<>();
        add(columns, values, ColumnType.INT64, "BIGSERIAL", Long.MIN_VALUE, true);
        add(columns, values, ColumnType.BOOLEAN, "BOOL", true, false);
        add(columns, values, ColumnType.INT16, "INT2", (int) Short.MAX_VALUE, false);
        add(columns, values, ColumnType.INT32, "INT4", Integer.MIN_VALUE, false);
        add(columns, values, ColumnType.FLOAT32, "FLOAT4", -0.0f, false);
        add(columns, values, ColumnType.FLOAT64, "FLOAT8", Double.NaN, false);
        columns.add(new Column("price", ColumnType.DECIMAL, "NUMERIC", 38, 10, true, false));
        values.add(new BigDecimal("1234567890123456789012345678.0123456789"));
        add(columns, values, ColumnType.NUMERIC, "NUMERIC", new BigDecimal("-1.000000000000000000000000000000000000001"), false);
        add(columns, values, ColumnType.STRING, "TEXT", "naïve 🎉 \"quoted\"", false);
        add(columns, values, ColumnType.JSON, "JSONB", "{\"a\": [1, 2]}", false);
        add(columns, values, ColumnType.INTERVAL, "INTERVAL", "P1Y2M3DT4H5M6.000007S", false);
        add(columns, values, ColumnType.BYTES, "BYTEA", new byte[] {0, -1, 42}, false);
        add(columns, values, ColumnType.DATE, "DATE", LocalDate.of(1, 1, 1), false);
        add(columns, values, ColumnType.TIME, "TIME", LocalTime.of(23, 59, 59, 999_999_000), false);
        add(columns, values, ColumnType.TIMESTAMP, "TIMESTAMP", LocalDateTime.of(9999, 12, 31, 23, 59, 59, 999_999_000), false);
        add(columns, values, ColumnType.TIMESTAMPTZ, "TIMESTAMPTZ", Instant.parse("1970-01-01T00:00:00.000001Z"), false);
        add(columns, values, ColumnType.UUID, "UUID", UUID.randomUUID(), false);
        columns.add(new Column("nothing", ColumnType.STRING, "TEXT", -1, -1, true, false));
        values.add(null);

        TableSchema table = new TableSchema(new TableId("public", "x\"; drop table y; --"), columns);
        RowChange row = new RowChange(table, Op.UPDATE, values.toArray(), values.toArray(),
                new SourcePosition(0, 123, 456, 789, false));

        RowChange back = (RowChange) roundTrip(row);
        assertThat(back.table()).isEqualTo(table);
        assertThat(back.op()).isEqualTo(Op.UPDATE);
        assertThat(back.source()).isEqualTo(row.source());
        for (int i = 0; i < values.size(); i++) {
            assertThat(back.after()[i]).as(columns.get(i).name()).isEqualTo(values.get(i));
        }
    }

    @Test
    void hostileIdentifiersBecomeValidAvroNamesAndStayExactInProperties() {
        TableSchema table = new TableSchema(new TableId("My Schema", "select"), List.of(
                new Column("id", ColumnType.INT64, "INT8", -1, -1, false, true),
                new Column("Ünïcode col", ColumnType.STRING, "TEXT", -1, -1, true, false),
                new Column("Ünïcode_col", ColumnType.STRING, "TEXT", -1, -1, true, false),
                new Column("1st", ColumnType.STRING, "TEXT", -1, -1, true, false)));
        Schema envelope = AvroSchemas.rowEnvelope(table);
        Schema reparsed = new Schema.Parser().parse(envelope.toString());
        assertThat(AvroSchemas.tableOf(reparsed)).isEqualTo(table);
        assertThat(AvroNames.of("Ünïcode col")).isNotEqualTo(AvroNames.of("Ünïcode_col"));
    }

    @Test
    void leaderDefaultsBecomeValidAvroDefaults() {
        TableSchema table = new TableSchema(new TableId("public", "d"), List.of(
                new Column("id", ColumnType.INT64, "INT8", -1, -1, false, true),
                new Column("credit", ColumnType.DECIMAL, "NUMERIC", 12, 2, false, false, "0.00"),
                new Column("n", ColumnType.INT32, "INT4", -1, -1, false, false, "7"),
                new Column("s", ColumnType.STRING, "TEXT", -1, -1, false, false, "dflt"),
                new Column("b", ColumnType.BYTES, "BYTEA", -1, -1, false, false, "00ff"),
                new Column("t", ColumnType.TIMESTAMPTZ, "TIMESTAMPTZ", -1, -1, false, false, "2024-01-01T00:00:00Z")));
        Schema reparsed = new Schema.Parser().parse(AvroSchemas.rowEnvelope(table).toString());
        assertThat(AvroSchemas.tableOf(reparsed)).isEqualTo(table);
        Schema value = reparsed.getField("after").schema().getTypes().get(1);
        assertThat(value.getField("n").defaultVal()).isEqualTo(7);
        assertThat(value.getField("s").defaultVal()).isEqualTo("dflt");
    }

    @Test
    void transactionEndRoundTrips() throws Exception {
        TransactionEnd end = new TransactionEnd("771", new SourcePosition(0, 99, 771, 1000, false), 3, "{\"lsn\":99}");
        assertThat(roundTrip(end)).isEqualTo(end);
    }

    private LogEvent roundTrip(LogEvent event) throws Exception {
        Schema schema = new Schema.Parser().parse(codec.schemaOf(event).toString());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(codec.schemaOf(event)).write(codec.encode(event), enc);
        enc.flush();
        GenericRecord read = new GenericDatumReader<GenericRecord>(schema)
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
        return new LogEventCodec().decode(read);
    }

    private static void add(List<Column> columns, List<Object> values, ColumnType type, String source, Object value, boolean key) {
        columns.add(new Column(type.name().toLowerCase() + " col", type, source, -1, -1, !key, key));
        values.add(value);
    }
}
