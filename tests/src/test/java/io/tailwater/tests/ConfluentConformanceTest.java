package io.tailwater.tests;

import io.tailwater.config.RegistryConfig;
import io.tailwater.config.Secret;
import io.tailwater.schemas.Column;
import io.tailwater.schemas.ColumnType;
import io.tailwater.schemas.LogEventCodec;
import io.tailwater.schemas.TableId;
import io.tailwater.schemas.TableSchema;
import io.tailwater.schemas.event.Op;
import io.tailwater.schemas.event.RowChange;
import io.tailwater.schemas.event.SourcePosition;
import io.tailwater.schemas.event.TransactionEnd;
import io.tailwater.schemas.registry.SchemaRegistryClient;
import io.tailwater.schemas.serde.LogRecordSerde;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.client.CachedSchemaRegistryClient;
import org.apache.flink.avro.shaded.org.apache.avro.Schema;
import org.apache.flink.avro.shaded.org.apache.avro.generic.GenericDatumReader;
import org.apache.flink.avro.shaded.org.apache.avro.generic.GenericRecord;
import org.apache.flink.avro.shaded.org.apache.avro.io.DecoderFactory;
import org.apache.flink.formats.avro.registry.confluent.ConfluentSchemaRegistryCoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Our records are Confluent's wire format: Confluent's own registry client and schema coder
 * (embedded, relocated, in Flink's confluent-registry format) read the schema id from our bytes,
 * fetch the writer schema from the real registry, and Avro decodes the rest.
 */
@ExtendWith(SharedServices.class)
class ConfluentConformanceTest {

    @Test
    void confluentsClientDecodesOurRecords() throws Exception {
        String url = SharedServices.get().registry().url();
        LogRecordSerde serde = new LogRecordSerde(new SchemaRegistryClient(new RegistryConfig(url, Optional.empty(), Secret.NONE,
                Optional.empty(), Secret.NONE, Duration.ofSeconds(10))));
        TableSchema table = new TableSchema(new TableId("public", "Conformance Table"), List.of(
                new Column("id", ColumnType.INT64, "INT8", -1, -1, false, true),
                new Column("amount", ColumnType.DECIMAL, "NUMERIC", 12, 2, true, false),
                new Column("day", ColumnType.DATE, "DATE", -1, -1, true, false),
                new Column("at", ColumnType.TIMESTAMPTZ, "TIMESTAMPTZ", -1, -1, true, false),
                new Column("ref", ColumnType.UUID, "UUID", -1, -1, true, false),
                new Column("naïve name", ColumnType.STRING, "TEXT", -1, -1, true, false)));
        UUID ref = UUID.randomUUID();
        RowChange row = new RowChange(table, Op.CREATE, null,
                new Object[] {42L, new BigDecimal("1234.50"), LocalDate.of(2024, 2, 29), Instant.parse("2024-02-29T12:00:00.123456Z"), ref, "héllo 🌊"},
                new SourcePosition(0, 100, 7, 1_700_000_000_000_000L, false));
        String topic = "conformance.log";
        byte[] bytes = serde.serialize(topic, row);

        CachedSchemaRegistryClient confluent = new CachedSchemaRegistryClient(url, 100);
        ByteArrayInputStream in = new ByteArrayInputStream(bytes);
        Schema writer = new ConfluentSchemaRegistryCoder(confluent).readSchema(in);
        GenericRecord decoded = new GenericDatumReader<GenericRecord>(writer)
                .read(null, DecoderFactory.get().binaryDecoder(in, null));

        assertThat(decoded.get("op").toString()).isEqualTo("c");
        GenericRecord after = (GenericRecord) decoded.get("after");
        assertThat(after.get("id")).isEqualTo(42L);
        assertThat(new BigDecimal(new java.math.BigInteger(bytes((ByteBuffer) after.get("amount"))), 2)).isEqualByComparingTo("1234.50");
        assertThat(after.get("day")).isEqualTo((int) LocalDate.of(2024, 2, 29).toEpochDay());
        assertThat(after.get("at")).isEqualTo(1709208000123456L);
        assertThat(after.get("ref").toString()).isEqualTo(ref.toString());
        assertThat(writer.getField("after").schema().getTypes().get(1).getFields().get(5).getProp("tailwater.column")).isEqualTo("naïve name");
        assertThat(decoded.get("source").toString()).contains("\"txId\": 7");

        // Confluent's client registering the same schema under the TopicRecordNameStrategy subject finds our id.
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        new ConfluentSchemaRegistryCoder(topic + "-" + writer.getFullName(), confluent).writeSchema(writer, header);
        assertThat(header.toByteArray()).isEqualTo(java.util.Arrays.copyOf(bytes, 5));

        TransactionEnd end = new TransactionEnd("7", row.source(), 1, "{\"lsn\":100}");
        byte[] endBytes = serde.serialize(topic, end);
        ByteArrayInputStream endIn = new ByteArrayInputStream(endBytes);
        Schema endSchema = new ConfluentSchemaRegistryCoder(confluent).readSchema(endIn);
        GenericRecord endDecoded = new GenericDatumReader<GenericRecord>(endSchema).read(null, DecoderFactory.get().binaryDecoder(endIn, null));
        assertThat(endDecoded.get("txId").toString()).isEqualTo("7");
        assertThat(new LogEventCodec().schemaOf(end).getFullName()).isEqualTo(endSchema.getFullName());
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
