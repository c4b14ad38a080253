package io.tailwater.schemas;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.HexFormat;
import java.util.UUID;

/**
 * A column value as text and back, exactly: the form capture's converters hand values over in,
 * and the form of column defaults in schema properties. Numbers in plain decimal, temporal values
 * in ISO-8601 (proleptic Gregorian, years before 1 as 0 and negative, as {@code java.time}
 * writes them), bytes in hex, {@link Special} values as PostgreSQL spells them.
 */
public final class ValueText {
    private ValueText() {
    }

    public static String format(Column c, Object v) {
        if (v == null) {
            return null;
        }
        return switch (c.type()) {
            case DECIMAL, NUMERIC -> v instanceof BigDecimal d ? d.toPlainString() : v.toString();
            case BYTES -> HexFormat.of().formatHex((byte[]) v);
            default -> v.toString();
        };
    }

    /** An interval as ISO-8601 with every part, the form the log carries: {@code P1Y2M3DT4H5M6.789S}. */
    public static String interval(int years, int months, int days, int hours, int minutes, BigDecimal seconds) {
        return "P" + years + "Y" + months + "M" + days + "DT" + hours + "H" + minutes + "M"
                + (seconds.signum() == 0 ? "0" : seconds.stripTrailingZeros().toPlainString()) + "S";
    }

    public static Object parse(Column c, String s) {
        if (s == null) {
            return null;
        }
        Special special = Special.of(c.type(), s);
        if (special != null) {
            return special;
        }
        return switch (c.type()) {
            case BOOLEAN -> Boolean.parseBoolean(s);
            case INT16, INT32 -> Integer.parseInt(s);
            case INT64 -> Long.parseLong(s);
            case FLOAT32 -> Float.parseFloat(s);
            case FLOAT64 -> Double.parseDouble(s);
            case DECIMAL, NUMERIC -> new BigDecimal(s);
            case STRING, JSON, INTERVAL, ARRAY, LEADER_TEXT -> s;
            case BYTES -> HexFormat.of().parseHex(s);
            case DATE -> LocalDate.parse(s);
            case TIME -> LocalTime.parse(s);
            case TIMESTAMP -> LocalDateTime.parse(s);
            case TIMESTAMPTZ -> Instant.parse(s);
            case UUID -> UUID.fromString(s);
        };
    }
}
