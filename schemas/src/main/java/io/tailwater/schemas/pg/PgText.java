package io.tailwater.schemas.pg;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PostgreSQL's text output of dates and times (DateStyle ISO), read and written with
 * {@code java.time} in the proleptic Gregorian calendar: no JVM time zone, no Julian calendar.
 * Years before 1 are written by PostgreSQL as {@code 0044-03-15 BC}, which is ISO year -43.
 * Values whose text depends on the session's time zone (timestamptz inside arrays and ranges,
 * timetz) are rewritten at UTC, so the same value has the same text wherever capture runs.
 */
public final class PgText {
    private static final Pattern DATE_TIME = Pattern.compile(
            "(\\d{4,})-(\\d\\d)-(\\d\\d)(?: (\\d\\d):(\\d\\d):(\\d\\d)(\\.\\d{1,6})?)?"
            + "(?:([+-])(\\d\\d)(?::(\\d\\d)(?::(\\d\\d))?)?)?( BC)?");
    private static final Pattern TIME = Pattern.compile("(\\d\\d):(\\d\\d):(\\d\\d)(\\.\\d{1,6})?(?:([+-])(\\d\\d)(?::(\\d\\d)(?::(\\d\\d))?)?)?");
    private static final Pattern QUOTED = Pattern.compile("\"([^\"\\\\]*)\"");
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

    private PgText() {
    }

    /** PostgreSQL's money text ({@code -$1,234.56}, {@code ($1,234.56)}) as an exact decimal. */
    public static java.math.BigDecimal money(String s) {
        boolean negative = s.startsWith("-") || s.startsWith("(");
        StringBuilder digits = new StringBuilder(negative ? "-" : "");
        for (char c : s.toCharArray()) {
            if (Character.isDigit(c) || c == '.') {
                digits.append(c);
            }
        }
        return new java.math.BigDecimal(digits.toString());
    }

    /** A {@code date}: {@code 2024-01-31}, {@code 0044-03-15 BC}. */
    public static LocalDate date(String s) {
        Matcher m = match(DATE_TIME, s, "date");
        return LocalDate.of(year(m), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
    }

    /** A {@code timestamp} without time zone. */
    public static LocalDateTime timestamp(String s) {
        Matcher m = match(DATE_TIME, s, "timestamp");
        return localDateTime(m, s);
    }

    /** A {@code timestamptz}, with the offset PostgreSQL wrote (the session's zone). */
    public static Instant timestamptz(String s) {
        OffsetDateTime common = TimestamptzText.parse(s);
        if (common != null) {
            return common.toInstant();
        }
        Matcher m = match(DATE_TIME, s, "timestamptz");
        if (m.group(8) == null) {
            throw new IllegalArgumentException("not a PostgreSQL timestamptz (no offset): " + s);
        }
        return localDateTime(m, s).toInstant(offset(m.group(8), m.group(9), m.group(10), m.group(11)));
    }

    /** A {@code time} (not 24:00:00, which {@code LocalTime} cannot hold). */
    public static LocalTime time(String s) {
        Matcher m = match(TIME, s, "time");
        return LocalTime.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)), nanos(m.group(4)));
    }

    /** A {@code timetz} rewritten at UTC: {@code 13:45:00+05:30} becomes {@code 08:15:00+00}. */
    public static String timetzAtUtc(String s) {
        Matcher m = match(TIME, s, "timetz");
        if (m.group(5) == null) {
            throw new IllegalArgumentException("not a PostgreSQL timetz (no offset): " + s);
        }
        LocalTime local = LocalTime.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                nanos(m.group(4)));
        return timetz(OffsetTime.of(local, offset(m.group(5), m.group(6), m.group(7), m.group(8))));
    }

    /** A timetz at UTC in PostgreSQL's spelling: {@code 08:15:00.5+00}. */
    public static String timetz(OffsetTime t) {
        LocalTime utc = t.withOffsetSameInstant(ZoneOffset.UTC).toLocalTime();
        return clock(utc) + "+00";
    }

    /** A timestamptz in PostgreSQL's spelling at UTC: {@code 2024-06-01 06:15:00.5+00}, {@code 0044-03-15 00:00:00+00 BC}. */
    public static String timestamptz(Instant i) {
        LocalDateTime t = LocalDateTime.ofInstant(i, ZoneOffset.UTC);
        int year = t.getYear();
        String date = String.format("%04d-%02d-%02d", year > 0 ? year : 1 - year, t.getMonthValue(), t.getDayOfMonth());
        return date + " " + clock(t.toLocalTime()) + "+00" + (year > 0 ? "" : " BC");
    }

    /** Every quoted timestamptz in a range, multirange or array text rewritten at UTC. */
    public static String timestamptzsAtUtc(String text) {
        Matcher m = QUOTED.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String inner = m.group(1);
            String replacement = DATE_TIME.matcher(inner).matches() ? timestamptz(timestamptz(inner)) : inner;
            m.appendReplacement(sb, Matcher.quoteReplacement("\"" + replacement + "\""));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static String clock(LocalTime t) {
        String s = CLOCK.format(t);
        int micros = t.getNano() / 1000;
        if (micros == 0) {
            return s;
        }
        String frac = String.format(".%06d", micros);
        return s + frac.replaceAll("0+$", "");
    }

    private static LocalDateTime localDateTime(Matcher m, String s) {
        if (m.group(4) == null) {
            throw new IllegalArgumentException("not a PostgreSQL timestamp (no time of day): " + s);
        }
        return LocalDateTime.of(year(m), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)), Integer.parseInt(m.group(6)), nanos(m.group(7)));
    }

    private static int year(Matcher m) {
        int y = Integer.parseInt(m.group(1));
        return m.group(12) != null ? 1 - y : y;
    }

    private static int nanos(String fraction) {
        if (fraction == null) {
            return 0;
        }
        String digits = (fraction.substring(1) + "000000").substring(0, 6);
        return Integer.parseInt(digits) * 1000;
    }

    private static ZoneOffset offset(String sign, String h, String m, String sec) {
        int seconds = Integer.parseInt(h) * 3600 + (m == null ? 0 : Integer.parseInt(m) * 60) + (sec == null ? 0 : Integer.parseInt(sec));
        return ZoneOffset.ofTotalSeconds(sign.equals("-") ? -seconds : seconds);
    }

    private static Matcher match(Pattern p, String s, String what) {
        Matcher m = p.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a PostgreSQL " + what + ": " + s);
        }
        return m;
    }
}
