package io.tailwater.capture.mariadb;

import io.tailwater.schemas.mariadb.MariaDbKinds;
import io.tailwater.schemas.ValueText;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.sql.Blob;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.Year;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.BitSet;
import java.util.List;
import java.util.UUID;

/**
 * The conversions of {@link MariaDbValueConverter}: one raw MariaDB value, from the binlog or the
 * snapshot, to the form {@code ConnectTables} takes (numbers as themselves, bytes as bytes, the
 * rest as exact {@link ValueText}). Throws {@link IllegalArgumentException} naming what it got
 * when the value has no exact form.
 */
final class MariaDbValues {
    private MariaDbValues() {
    }

    static Object convert(MariaDbKinds.Kind kind, Object v, Charset charset, List<String> options, int length) {
        return switch (kind.type()) {
            case INT16, INT32 -> {
                long n = integer(v);
                yield (int) (kind.unsigned() ? (Long) MariaDbValueConverter.unsigned(n, kind.bits()) : n);
            }
            case INT64 -> {
                long n = integer(v);
                yield kind.unsigned() ? (Long) MariaDbValueConverter.unsigned(n, kind.bits()) : n;
            }
            case DECIMAL -> kind.unsignedBigint() && !(v instanceof BigInteger || v instanceof BigDecimal)
                    ? MariaDbValueConverter.unsigned(integer(v), 64).toString() : MariaDbValueConverter.plain(v);
            case FLOAT32 -> ((Number) v).floatValue();
            case FLOAT64 -> ((Number) v).doubleValue();
            case BOOLEAN -> bit1(v);
            case LEADER_TEXT -> bits(v, length);
            case STRING -> text(v, charset, options, kind.valueType());
            case BYTES -> MariaDbValueConverter.padded(bytes(v), length);
            case DATE -> date(v);
            case TIMESTAMP -> datetime(v);
            case TIMESTAMPTZ -> timestamp(v);
            case INTERVAL -> time(v);
            case UUID -> uuid(v, charset, options);
            default -> throw new IllegalArgumentException("no conversion for kind " + kind.type());
        };
    }

    private static long integer(Object v) {
        return switch (v) {
            case Year y -> y.getValue();
            case Boolean b -> b ? 1 : 0;
            case BigInteger i -> i.longValueExact();
            case Number n -> n.longValue();
            case String s -> Long.parseLong(s.trim());
            default -> throw unexpected(v);
        };
    }

    private static boolean bit1(Object v) {
        return switch (v) {
            case Boolean b -> b;
            case BitSet b -> b.get(0);
            case byte[] b -> b.length > 0 && b[b.length - 1] != 0;
            case Number n -> n.longValue() != 0;
            default -> throw unexpected(v);
        };
    }

    /** BIT(n) as its n bits, the most significant first (PostgreSQL's bit(n) text). */
    private static String bits(Object v, int length) {
        BitSet set = switch (v) {
            case BitSet b -> b;
            case byte[] b -> { // big-endian, as the server sends it over JDBC
                byte[] little = new byte[b.length];
                for (int i = 0; i < b.length; i++) {
                    little[i] = b[b.length - 1 - i];
                }
                yield BitSet.valueOf(little);
            }
            case Number n -> BitSet.valueOf(new long[] {n.longValue()});
            default -> throw unexpected(v);
        };
        if (set.length() > length) {
            throw new IllegalArgumentException("a BIT(" + length + ") value with " + set.length() + " bits");
        }
        StringBuilder b = new StringBuilder(length);
        for (int i = length - 1; i >= 0; i--) {
            b.append(set.get(i) ? '1' : '0');
        }
        return b.toString();
    }

    /**
     * A UUID: the driver's {@code java.util.UUID} in the snapshot, the binlog's 16 bytes (less
     * trailing zero bytes) while streaming. MariaDB stores (and logs) a UUID of versions 1 to 5 and variant 1 with its
     * segments in reverse order, so that time-based UUIDs sort by time; any other in text order.
     */
    private static String uuid(Object v, Charset charset, List<String> options) {
        if (v instanceof UUID u) {
            return u.toString();
        }
        if (v instanceof byte[] raw && raw.length <= 16) {
            byte[] b = MariaDbValueConverter.padded(raw, 16); // the binlog leaves out trailing zero bytes, as for BINARY(16)
            byte[] text = b;
            if (b[8] > 0 && b[8] < 0x60 && (b[0] & 0xc0) == 0x80) {
                text = new byte[16];
                System.arraycopy(b, 12, text, 0, 4); // time-low
                System.arraycopy(b, 10, text, 4, 2); // time-mid
                System.arraycopy(b, 8, text, 6, 2);  // version and time-high
                System.arraycopy(b, 0, text, 8, 2);  // variant and clock sequence
                System.arraycopy(b, 2, text, 10, 6); // node
            }
            ByteBuffer buffer = ByteBuffer.wrap(text);
            return new UUID(buffer.getLong(), buffer.getLong()).toString();
        }
        if (v instanceof byte[] b) {
            return UUID.fromString(new String(b, StandardCharsets.US_ASCII)).toString(); // the binlog's text form
        }
        return UUID.fromString(text(v, charset, options, "UUID")).toString();
    }

    private static String text(Object v, Charset charset, List<String> options, String valueType) {
        return switch (v) {
            case String s -> s;
            case byte[] b -> new String(b, charset);
            case Integer index when valueType.equals("ENUM") -> index == 0 ? "" : option(options, index - 1);
            case Long mask when valueType.equals("SET") -> {
                StringBuilder b = new StringBuilder();
                for (int i = 0; i < 64; i++) {
                    if ((mask & (1L << i)) != 0) {
                        if (!b.isEmpty()) {
                            b.append(',');
                        }
                        b.append(option(options, i));
                    }
                }
                yield b.toString();
            }
            default -> throw unexpected(v);
        };
    }

    private static String option(List<String> options, int i) {
        if (i < 0 || i >= options.size()) {
            throw new IllegalArgumentException("member " + (i + 1) + " of a type with " + options.size() + " members");
        }
        return options.get(i).replace("\\,", ",");
    }

    private static byte[] bytes(Object v) {
        return switch (v) {
            case byte[] b -> b;
            case ByteBuffer b -> {
                ByteBuffer d = b.duplicate();
                byte[] out = new byte[d.remaining()];
                d.get(out);
                yield out;
            }
            case Blob blob -> {
                try {
                    yield blob.getBytes(1, Math.toIntExact(blob.length()));
                } catch (SQLException e) {
                    throw new IllegalArgumentException("a BLOB that could not be read: " + e.getMessage(), e);
                }
            }
            case String s -> throw new IllegalArgumentException("text where bytes were expected");
            default -> throw unexpected(v);
        };
    }

    private static String date(Object v) {
        return switch (v) {
            case LocalDate d -> d.toString();
            case String s -> LocalDate.parse(checkNotZero(s)).toString();
            default -> throw unexpected(v);
        };
    }

    private static String datetime(Object v) {
        return switch (v) {
            case LocalDateTime t -> t.toString();
            case String s -> LocalDateTime.parse(checkNotZero(s).replace(' ', 'T')).toString();
            default -> throw unexpected(v);
        };
    }

    /**
     * A TIMESTAMP as its instant. The snapshot reads it as text in UTC (capture's sessions use
     * time_zone '+00:00'); the binlog has its seconds since the epoch. 0 is MariaDB's zero
     * timestamp, for valid ones start at 1970-01-01 00:00:01 UTC.
     */
    private static String timestamp(Object v) {
        Instant instant = switch (v) {
            case ZonedDateTime z -> z.toInstant();
            case OffsetDateTime o -> o.toInstant();
            case Instant i -> i;
            case String s -> LocalDateTime.parse(checkNotZero(s).replace(' ', 'T')).toInstant(ZoneOffset.UTC);
            default -> throw unexpected(v);
        };
        if (instant.equals(Instant.EPOCH)) {
            throw new IllegalArgumentException("the zero timestamp '0000-00-00 00:00:00', which no follower can hold");
        }
        return instant.toString();
    }

    /** A TIME, which runs from -838:59:59.999999 to 838:59:59.999999, as an interval of hours, minutes and seconds. */
    private static String time(Object v) {
        Duration d = switch (v) {
            case Duration x -> x;
            case String s -> parseTime(s);
            default -> throw unexpected(v);
        };
        boolean negative = d.isNegative();
        Duration abs = d.abs();
        long hours = abs.toHours();
        int minutes = abs.toMinutesPart();
        BigDecimal seconds = BigDecimal.valueOf(abs.toSecondsPart()).add(BigDecimal.valueOf(abs.toNanosPart(), 9));
        int sign = negative ? -1 : 1;
        return ValueText.interval(0, 0, 0, Math.toIntExact(sign * hours), sign * minutes, negative ? seconds.negate() : seconds);
    }

    private static Duration parseTime(String s) {
        String t = s.trim();
        boolean negative = t.startsWith("-");
        String[] parts = (negative ? t.substring(1) : t).split(":");
        if (parts.length != 3) {
            throw new IllegalArgumentException("the TIME text '" + s + "'");
        }
        BigDecimal seconds = new BigDecimal(parts[2]);
        Duration d = Duration.ofHours(Long.parseLong(parts[0])).plusMinutes(Long.parseLong(parts[1]))
                .plusNanos(seconds.movePointRight(9).longValueExact());
        return negative ? d.negated() : d;
    }

    private static String checkNotZero(String s) {
        // A zero month or day: '0000-00-00' or a date with a zero part, which non-strict sql_modes let in.
        if (s.length() >= 10 && (s.startsWith("-00", 4) || s.startsWith("-00", 7))) {
            throw new IllegalArgumentException("the zero date '" + s + "', which no follower can hold");
        }
        return s;
    }

    private static IllegalArgumentException unexpected(Object v) {
        return new IllegalArgumentException("an unexpected value of class " + v.getClass().getSimpleName());
    }
}
