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
        return "P" + years + "Y" + months + "M" + days + "DT" + hours + "H" + minutes + "M"
                + (seconds.signum() == 0 ? "0" : seconds.stripTrailingZeros().toPlainString()) + "S";
    }

    public static String bool(boolean b, boolean wasNull) {
        return wasNull ? null : Boolean.toString(b);
    }
}
