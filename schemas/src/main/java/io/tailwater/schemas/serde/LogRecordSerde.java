package io.tailwater.schemas.serde;

import io.tailwater.schemas.LogEventCodec;
import io.tailwater.schemas.event.LogEvent;
import io.tailwater.schemas.registry.SchemaRegistryClient;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Serializes log events to the Confluent wire format (magic byte 0, 4-byte big-endian schema id,
 * Avro binary) and back. Subjects follow TopicRecordNameStrategy: {@code <topic>-<record full name>},
 * so one topic holds many record types.
 */
public final class LogRecordSerde {
    private static final byte MAGIC = 0;

    private final SchemaRegistryClient registry;
    private final LogEventCodec codec = new LogEventCodec();
    /**
     * The registry id and writer of each schema written, by identity: the codec hands out one
     * schema instance per table version, and an equal schema of another instance (the same table
     * read again by Debezium) would otherwise be compared field by field on every lookup.
     */
    private final Map<Schema, SchemaWriter> writers = Collections.synchronizedMap(new IdentityHashMap<>());
    private final Map<Integer, GenericDatumReader<GenericRecord>> readers = new ConcurrentHashMap<>();

    public LogRecordSerde(SchemaRegistryClient registry) {
        this.registry = registry;
    }

    public static String subject(String topic, Schema schema) {
        return topic + "-" + schema.getFullName();
    }

    public byte[] serialize(String topic, LogEvent event) {
        Schema schema = codec.schemaOf(event);
        SchemaWriter writer = writers.computeIfAbsent(schema, s -> new SchemaWriter(registry.register(subject(topic, s), s),
                new GenericDatumWriter<>(s)));
        int id = writer.id();
        GenericRecord record = codec.encode(event);
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.write(MAGIC);
        out.write(id >>> 24);
        out.write(id >>> 16);
        out.write(id >>> 8);
        out.write(id);
        BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            writer.writer().write(record, enc);
            enc.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * Decodes one record value.
     *
     * @throws UndecodableRecordException with the reason, when the bytes are not our wire format,
     *         name an unknown schema id, or do not match their schema
     */
    public LogEvent deserialize(byte[] value) {
        if (value == null || value.length < 5) {
            throw new UndecodableRecordException("the value is " + (value == null ? "empty (null)" : value.length + " bytes")
                    + ", too short for the Confluent wire format");
        }
        ByteBuffer buf = ByteBuffer.wrap(value);
        if (buf.get() != MAGIC) {
            throw new UndecodableRecordException("the value does not start with the Confluent magic byte 0: not an Avro record of this log");
        }
        int id = buf.getInt();
        GenericDatumReader<GenericRecord> reader;
        try {
            reader = readers.computeIfAbsent(id, i -> new GenericDatumReader<>(registry.byId(i)));
        } catch (io.tailwater.schemas.registry.RegistryException e) {
            if (e.status() / 100 != 4) {
                throw e; // the registry is unreachable: the record may be fine
            }
            throw new UndecodableRecordException("schema id " + id + " is unknown to the registry: " + e.getMessage(), e);
        }
        try {
            BinaryDecoder dec = DecoderFactory.get().binaryDecoder(value, 5, value.length - 5, null);
            GenericRecord record = reader.read(null, dec);
            if (!dec.isEnd()) {
                throw new UndecodableRecordException("the value has bytes left over after a record of schema id " + id);
            }
            return codec.decode(record);
        } catch (IOException | RuntimeException e) {
            if (e instanceof UndecodableRecordException u) {
                throw u;
            }
            throw new UndecodableRecordException("the value does not match its schema (id " + id + "): " + e, e);
        }
    }

    private record SchemaWriter(int id, GenericDatumWriter<GenericRecord> writer) {
    }
}
