package io.tailwater.applier.dialect;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;

/**
 * The canonical text of a value, the same for every database, so a leader row and a follower
 * row can be compared whatever engine holds them. Dialects read their columns back into Java
 * values and pass them through here.
 */
public final class CanonicalValues {
    public static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSS");
    public static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS");

    private CanonicalValues() {
    }

    /**
     * Reads a column of an engine whose JDBC driver maps every type to its standard Java type
     * (java.time, BigDecimal, UUID); intervals and JSON are read as text.
     */
    public static String read(java.sql.ResultSet rs, int i, io.tailwater.schemas.Column c) throws java.sql.SQLException {
        return switch (c.type()) {
            case BOOLEAN -> bool(rs.getBoolean(i), rs.wasNull());
            case INT16, INT32, INT64 -> {
                long v = rs.getLong(i);
                yield rs.wasNull() ? null : Long.toString(v);
            }
            case FLOAT32 -> {
                float v = rs.getFloat(i);
                yield rs.wasNull() ? null : Float.toString(v);
            }
            case FLOAT64 -> {
                double v = rs.getDouble(i);
                yield rs.wasNull() ? null : Double.toString(v);
            }
            case DECIMAL, NUMERIC -> fromText(c, rs.getString(i));
            case STRING, JSON, INTERVAL, ARRAY, LEADER_TEXT -> rs.getString(i);
            case BYTES -> bytes(rs.getBytes(i));
            case DATE -> {
                java.time.LocalDate d = rs.getObject(i, java.time.LocalDate.class);
                yield d == null ? null : d.toString();
            }
            case TIME -> time(rs.getObject(i, LocalTime.class));
            case TIMESTAMP -> timestamp(rs.getObject(i, LocalDateTime.class));
            case TIMESTAMPTZ -> {
                java.time.OffsetDateTime t = rs.getObject(i, java.time.OffsetDateTime.class);
                yield t == null ? null : instant(t.toInstant());
            }
            case UUID -> {
                Object u = rs.getObject(i);
                yield u == null ? null : u.toString().toLowerCase(java.util.Locale.ROOT);
            }
        };
    }

    /**
     * The documented lossless text form of a value, written where a follower column is text
     * ({@code column-types}) and used as the canonical form: numbers in plain decimal, NaN and
     * infinities as {@code NaN}, {@code Infinity}, {@code -Infinity}, dates {@code 2024-01-31}
     * (years before 1 as 0 and negative), times {@code 13:45:00.123456}, timestamps
     * {@code 2024-01-31 13:45:00.123456}, timestamptz {@code 2024-01-31T13:45:00.123456Z},
     * bytes in hex, arrays as JSON, special values as PostgreSQL spells them.
     */
    public static String text(io.tailwater.schemas.Column c, Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof io.tailwater.schemas.Special special) {
            return special.text();
        }
        return switch (c.type()) {
            case DECIMAL, NUMERIC -> ((BigDecimal) v).toPlainString();
            case BYTES -> bytes((byte[]) v);
            case TIME -> time((LocalTime) v);
            case TIMESTAMP -> timestamp((LocalDateTime) v);
            case TIMESTAMPTZ -> instant((Instant) v);
            case UUID -> v.toString().toLowerCase(java.util.Locale.ROOT);
            default -> v.toString();
        };
    }

    /** The canonical form of a value stored as text in one of the forms {@link #text} writes (or a follower's own spelling of them). */
    public static String fromText(io.tailwater.schemas.Column c, String s) {
        if (s == null) {
            return null;
        }
        io.tailwater.schemas.Special special = io.tailwater.schemas.Special.of(c.type(), s);
        if (special != null) {
            return special.text();
        }
        return switch (c.type()) {
            case DECIMAL, NUMERIC -> decimal(new BigDecimal(s));
            case FLOAT32 -> Float.toString(Float.parseFloat(s));
            case FLOAT64 -> Double.toString(Double.parseDouble(s));
            case INT16, INT32, INT64 -> Long.toString(Long.parseLong(s));
            case DATE -> java.time.LocalDate.parse(s).toString();
            case TIME -> time(LocalTime.parse(s));
            case TIMESTAMP -> timestamp(LocalDateTime.parse(s.replace(' ', 'T')));
            // the documented form ends in Z; a MariaDB follower's DATETIME(6) in UTC reads back without it
            case TIMESTAMPTZ -> instant(s.endsWith("Z") || s.matches(".*[+-]\\d\\d(:?\\d\\d)?$") ? Instant.parse(s)
                    : LocalDateTime.parse(s.replace(' ', 'T')).toInstant(java.time.ZoneOffset.UTC));
            case UUID -> s.toLowerCase(java.util.Locale.ROOT);
            default -> s;
        };
    }

    public static String decimal(BigDecimal d) {
        if (d == null) {
            return null;
        }
        return d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
    }

    public static String bytes(byte[] b) {
        return b == null ? null : HexFormat.of().formatHex(b);
    }

    public static String time(LocalTime t) {
        return t == null ? null : TIME.format(t);
    }

    public static String timestamp(LocalDateTime t) {
        return t == null ? null : TIMESTAMP.format(t);
    }

    public static String instant(Instant i) {
        return i == null ? null : i.toString();
    }

    /** An interval as ISO-8601 with every part, the form the log carries: {@code P1Y2M3DT4H5M6.789S}. */
    public static String interval(int years, int months, int days, int hours, int minutes, BigDecimal seconds) {
        return io.tailwater.schemas.ValueText.interval(years, months, days, hours, minutes, seconds);
    }

    public static String bool(boolean b, boolean wasNull) {
        return wasNull ? null : Boolean.toString(b);
    }
}
