package io.tailwater.capture.postgres;

import io.debezium.connector.postgresql.Module;
import io.debezium.connector.postgresql.PostgresConnector;
import io.debezium.connector.postgresql.connection.DateTimeFormat;
import io.debezium.data.SchemaUtil;
import io.debezium.pipeline.meters.CommonEventMeter;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Capture's patched copies of two Debezium classes are the ones loaded, are copies of the
 * Debezium on the class path, and give what Debezium's own classes give.
 */
class DebeziumPatchTest {
    @Test
    void thePatchedCopiesAreLoadedBeforeDebeziumsOwn() {
        Object ours = TimestamptzText.class.getProtectionDomain().getCodeSource().getLocation();
        assertThat(SchemaUtil.class.getProtectionDomain().getCodeSource().getLocation()).isEqualTo(ours);
        assertThat(DateTimeFormat.class.getProtectionDomain().getCodeSource().getLocation()).isEqualTo(ours);
    }

    @Test
    void theCopiesAreOfTheDebeziumOnTheClassPath() {
        assertThat(Module.version())
                .as("io.debezium.data.SchemaUtil and io.debezium.connector.postgresql.connection.DateTimeFormat in the capture"
                        + " module are patched copies of Debezium 3.5.0.Final's: copy them again from the new version and redo"
                        + " the change marked 'Tailwater' (or delete a copy whose fix is upstream)")
                .isEqualTo("3.5.0.Final");
    }

    @Test
    void keysAreWrittenAsDebeziumsOwnSchemaUtilWritesThem() {
        DebeziumOriginal original = new DebeziumOriginal(SchemaUtil.class, CommonEventMeter.class);
        Schema schema = SchemaBuilder.struct().field("id", Schema.INT64_SCHEMA).field("name", Schema.OPTIONAL_STRING_SCHEMA)
                .field("bytes", Schema.OPTIONAL_BYTES_SCHEMA).build();
        for (String name : new String[] {"plain", "a \"quoted\"\\ line\nnext\u0001\u001f tab\t é \u2028 / </script>", "", null}) {
            Struct key = new Struct(schema).put("id", 7L).put("name", name).put("bytes", new byte[] {1, 2});
            assertThat(SchemaUtil.asString(key)).isEqualTo(original.call(null, "asString", new Class<?>[] {Struct.class}, key));
            assertThat(SchemaUtil.asDetailedString(key))
                    .isEqualTo(original.call(null, "asDetailedString", new Class<?>[] {Struct.class}, key));
            assertThat(SchemaUtil.asString((Object) name))
                    .isEqualTo(original.call(null, "asString", new Class<?>[] {Object.class}, name));
        }
    }

    @Test
    void timestampsWithTimeZoneAreReadAsDebeziumsOwnDateTimeFormatReadsThem() {
        DebeziumOriginal original = new DebeziumOriginal(DateTimeFormat.class, PostgresConnector.class);
        Object format = original.call(null, "get", new Class<?>[0]);
        for (String text : TimestamptzTextTest.samples(20_000)) {
            assertThat(DateTimeFormat.get().timestampWithTimeZoneToOffsetDateTime(text)).as(text)
                    .isEqualTo(original.call(format, "timestampWithTimeZoneToOffsetDateTime", new Class<?>[] {String.class}, text));
        }
    }
}
