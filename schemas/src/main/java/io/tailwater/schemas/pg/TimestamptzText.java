package io.tailwater.schemas.pg;

import io.tailwater.schemas.ValueText;

import java.time.DateTimeException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Reads the shape in which PostgreSQL (DateStyle ISO) writes almost every {@code timestamptz}:
 * {@code 2024-03-10 02:30:00.123456-05}, a four-digit year, up to six fraction digits and an
 * offset of hours, optionally minutes and seconds. Anything else (years past 9999, {@code BC},
 * {@code infinity}) is not read here: {@link #parse} returns null and the caller uses its general
 * parser. The calendar is java.time's proleptic ISO one, as in PostgreSQL. {@link PgText#timestamptz(String)}
 * and capture's streaming path (Debezium's DateTimeFormat, patched) both read through it first.
 */
public final class TimestamptzText {
    private TimestamptzText() {
    }

    /** The timestamp with its offset, or null when {@code s} is not in the common shape. */
    public static OffsetDateTime parse(String s) {
        int n = s.length();
        if (n < 22 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != ' ' || s.charAt(13) != ':' || s.charAt(16) != ':') {
            return null;
        }
        int year = ValueText.digits(s, 0, 4);
        int month = ValueText.digits(s, 5, 7);
        int day = ValueText.digits(s, 8, 10);
        int hour = ValueText.digits(s, 11, 13);
        int minute = ValueText.digits(s, 14, 16);
        int second = ValueText.digits(s, 17, 19);
        if ((year | month | day | hour | minute | second) < 0 || year == 0) {
            return null;
        }
        int i = 19;
        int nanos = 0;
        if (s.charAt(i) == '.') {
            int start = ++i;
            while (i < n && i - start < 6 && isDigit(s.charAt(i))) {
                nanos = nanos * 10 + (s.charAt(i) - '0');
                i++;
            }
            if (i == start || i < n && isDigit(s.charAt(i))) {
                return null;
            }
            for (int k = i - start; k < 9; k++) {
                nanos *= 10;
            }
        }
        if (i + 3 > n) {
            return null;
        }
        char sign = s.charAt(i);
        if (sign != '+' && sign != '-') {
            return null;
        }
        int offsetHours = ValueText.digits(s, i + 1, i + 3);
        int offsetMinutes = 0;
        int offsetSeconds = 0;
        i += 3;
        if (i < n) {
            if (s.charAt(i) != ':' || i + 3 > n || (offsetMinutes = ValueText.digits(s, i + 1, i + 3)) < 0) {
                return null;
            }
            i += 3;
            if (i < n) {
                if (s.charAt(i) != ':' || i + 3 != n || (offsetSeconds = ValueText.digits(s, i + 1, i + 3)) < 0) {
                    return null;
                }
                i += 3;
            }
        }
        if (offsetHours < 0 || i != n) {
            return null;
        }
        int factor = sign == '-' ? -1 : 1;
        try {
            ZoneOffset offset = ZoneOffset.ofHoursMinutesSeconds(factor * offsetHours, factor * offsetMinutes, factor * offsetSeconds);
            return OffsetDateTime.of(year, month, day, hour, minute, second, nanos, offset);
        } catch (DateTimeException e) {
            return null; // out of range: the general parser says what is wrong
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
