package io.tailwater.capture.postgres;

import io.debezium.connector.postgresql.Module;
import io.debezium.connector.postgresql.PostgresConnector;
import io.debezium.connector.postgresql.connection.DateTimeFormat;
import io.debezium.data.SchemaUtil;
import io.debezium.pipeline.meters.CommonEventMeter;
import io.tailwater.capture.Capture;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Capture's patched copies of two Debezium classes are the ones loaded, are copies of the
 * Debezium on the class path, and give what Debezium's own classes give.
 */
class DebeziumPatchTest {
    @Test
    void thePatchedCopiesAreLoadedBeforeDebeziumsOwn() {
        Object ours = Capture.class.getProtectionDomain().getCodeSource().getLocation();
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
        for (String text : samples(20_000)) {
            assertThat(DateTimeFormat.get().timestampWithTimeZoneToOffsetDateTime(text)).as(text)
                    .isEqualTo(original.call(format, "timestampWithTimeZoneToOffsetDateTime", new Class<?>[] {String.class}, text));
        }
    }

    /**
     * Timestamps across years 1 to 9999 with offsets of whole quarter hours and of odd seconds
     * (local mean time), in PostgreSQL's spelling, with 0 to 6 fraction digits.
     */
    private static List<String> samples(int count) {
        SplittableRandom random = new SplittableRandom(20261202);
        List<String> samples = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int offsetSeconds = random.nextInt(-15 * 3600, 15 * 3600 + 1);
            if (random.nextBoolean()) {
                offsetSeconds -= offsetSeconds % 900;
            }
            OffsetDateTime t = OffsetDateTime.of(random.nextInt(1, 10_000), random.nextInt(1, 13), random.nextInt(1, 29),
                    random.nextInt(24), random.nextInt(60), random.nextInt(60), random.nextInt(1_000_000) * 1_000,
                    ZoneOffset.ofTotalSeconds(offsetSeconds));
            samples.add(postgresText(t, random.nextInt(7)));
        }
        return samples;
    }

    /** PostgreSQL's spelling, with {@code digits} fraction digits (PostgreSQL drops trailing zeros; either is read). */
    private static String postgresText(OffsetDateTime t, int digits) {
        StringBuilder sb = new StringBuilder(String.format("%04d-%02d-%02d %02d:%02d:%02d", t.getYear(), t.getMonthValue(),
                t.getDayOfMonth(), t.getHour(), t.getMinute(), t.getSecond()));
        if (digits > 0) {
            sb.append('.').append(String.format("%06d", t.getNano() / 1_000), 0, digits);
        }
        int total = t.getOffset().getTotalSeconds();
        int abs = Math.abs(total);
        sb.append(total < 0 ? '-' : '+').append(String.format("%02d", abs / 3600));
        if (abs % 3600 != 0) {
            sb.append(String.format(":%02d", abs / 60 % 60));
            if (abs % 60 != 0) {
                sb.append(String.format(":%02d", abs % 60));
            }
        }
        return sb.toString();
    }
}
