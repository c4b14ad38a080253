package io.tailwater.schemas;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.HexFormat;

/**
 * A column value as text and back, exactly, for values that travel as schema properties (column
 * defaults). Numbers in plain decimal, temporal values in ISO-8601, bytes in hex.
 */
public final class ValueText {
    private ValueText() {
    }

    public static String format(Column c, Object v) {
        if (v == null) {
            return null;
        }
        return switch (c.type()) {
            case DECIMAL, NUMERIC -> ((BigDecimal) v).toPlainString();
            case BYTES -> HexFormat.of().formatHex((byte[]) v);
            default -> v.toString();
        };
    }

    public static Object parse(Column c, String s) {
        if (s == null) {
            return null;
        }
        return switch (c.type()) {
            case BOOLEAN -> Boolean.parseBoolean(s);
            case INT16, INT32 -> Integer.parseInt(s);
            case INT64 -> Long.parseLong(s);
            case FLOAT32 -> Float.parseFloat(s);
            case FLOAT64 -> Double.parseDouble(s);
            case DECIMAL, NUMERIC -> new BigDecimal(s);
            case STRING, JSON, INTERVAL, ARRAY -> s;
            case BYTES -> HexFormat.of().parseHex(s);
            case DATE -> LocalDate.parse(s);
            case TIME -> LocalTime.parse(s);
            case TIMESTAMP -> LocalDateTime.parse(s);
            case TIMESTAMPTZ -> Instant.parse(s);
            case UUID -> java.util.UUID.fromString(s);
        };
    }
}
