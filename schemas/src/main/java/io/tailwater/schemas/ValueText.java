package io.tailwater.schemas;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.YearMonth;
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
            case TIMESTAMPTZ -> instant(s);
            case UUID -> UUID.fromString(s);
        };
    }

    /**
     * {@link Instant#parse} of an instant as {@link Instant#toString()} writes it for years 0 to
     * 9999 ({@code 2024-06-01T06:15:00Z}, {@code .123Z}, {@code .123456Z}, {@code .123456789Z}),
     * without the general formatter, which costs more than the rest of a row's capture. Any other
     * text, and any invalid field, goes to {@link Instant#parse}, so results and errors are its own.
     */
    static Instant instant(String s) {
        int n = s.length();
        if ((n == 20 || n == 24 || n == 27 || n == 30) && s.charAt(4) == '-' && s.charAt(7) == '-' && s.charAt(10) == 'T'
                && s.charAt(13) == ':' && s.charAt(16) == ':' && s.charAt(n - 1) == 'Z' && (n == 20 || s.charAt(19) == '.')) {
            int year = digits(s, 0, 4);
            int month = digits(s, 5, 7);
            int day = digits(s, 8, 10);
            int hour = digits(s, 11, 13);
            int minute = digits(s, 14, 16);
            int second = digits(s, 17, 19);
            int fraction = n == 20 ? 0 : digits(s, 20, n - 1);
            boolean allDigits = Math.min(Math.min(year, Math.min(hour, minute)), Math.min(second, fraction)) >= 0;
            if (allDigits && month >= 1 && month <= 12 && day >= 1 && hour <= 23 && minute <= 59 && second <= 59
                    && day <= YearMonth.of(year, month).lengthOfMonth()) {
                long nanos = (long) fraction * (n == 24 ? 1_000_000 : n == 27 ? 1_000 : 1);
                long epochSecond = LocalDate.of(year, month, day).toEpochDay() * 86_400 + hour * 3600L + minute * 60L + second;
                return Instant.ofEpochSecond(epochSecond, nanos);
            }
        }
        return Instant.parse(s);
    }

    /** The decimal number in {@code s[from, to)}, or -1 if {@code s} is shorter or any character there is not an ASCII digit. */
    public static int digits(String s, int from, int to) {
        if (to > s.length()) {
            return -1;
        }
        int v = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
