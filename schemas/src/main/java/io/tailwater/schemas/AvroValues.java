package io.tailwater.schemas;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/**
 * Converts column values between their Java form (see {@link ColumnType}) and their Avro
 * generic form. Temporal values are exact to the microsecond.
 */
public final class AvroValues {
    private AvroValues() {
    }

    public static Object toAvro(Column c, Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof Special s) {
            return s.text(); // the union's string branch (or NUMERIC's own string)
        }
        return switch (c.type()) {
            case BOOLEAN, INT16, INT32, INT64, FLOAT32, FLOAT64, STRING, JSON, INTERVAL, ARRAY, LEADER_TEXT -> v;
            case DECIMAL -> ByteBuffer.wrap(((BigDecimal) v).setScale(Math.max(c.scale(), 0), RoundingMode.UNNECESSARY)
                    .unscaledValue().toByteArray());
            case NUMERIC -> ((BigDecimal) v).toPlainString();
            case BYTES -> ByteBuffer.wrap((byte[]) v);
            case DATE -> (int) ((LocalDate) v).toEpochDay();
            case TIME -> ((LocalTime) v).toNanoOfDay() / 1000;
            case TIMESTAMP -> epochMicros(((LocalDateTime) v).toInstant(ZoneOffset.UTC));
            case TIMESTAMPTZ -> epochMicros((Instant) v);
            case UUID -> v.toString();
        };
    }

    public static Object fromAvro(Column c, Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof CharSequence text && Special.possibleFor(c.type())) {
            Special special = Special.of(c.type(), text.toString());
            if (special != null) {
                return special;
            }
        }
        return switch (c.type()) {
            case BOOLEAN, INT32, INT64, FLOAT32, FLOAT64 -> v;
            case INT16 -> ((Number) v).intValue();
            case STRING, JSON, INTERVAL, ARRAY, LEADER_TEXT -> v.toString();
            case DECIMAL -> new BigDecimal(new BigInteger(bytes((ByteBuffer) v)), Math.max(c.scale(), 0));
            case NUMERIC -> new BigDecimal(v.toString());
            case BYTES -> bytes((ByteBuffer) v);
            case DATE -> LocalDate.ofEpochDay((Integer) v);
            case TIME -> LocalTime.ofNanoOfDay((Long) v * 1000);
            case TIMESTAMP -> LocalDateTime.ofInstant(fromEpochMicros((Long) v), ZoneOffset.UTC);
            case TIMESTAMPTZ -> fromEpochMicros((Long) v);
            case UUID -> java.util.UUID.fromString(v.toString());
        };
    }

    public static long epochMicros(Instant i) {
        return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000L), i.getNano() / 1000);
    }

    public static Instant fromEpochMicros(long micros) {
        return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
