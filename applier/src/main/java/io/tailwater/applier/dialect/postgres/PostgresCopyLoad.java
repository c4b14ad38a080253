package io.tailwater.applier.dialect.postgres;

import io.tailwater.applier.dialect.BulkLoad;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.util.PGobject;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

/**
 * {@code COPY ... FROM STDIN} in PostgreSQL's text format. A bound value the statement path would
 * send as text goes as the same text, which the server reads with the column type's input
 * function, as it does a text parameter; numbers, booleans, bytes, UUIDs and dates and times of
 * years 1 to 9999 have a plain text form. Anything else (a year before 1 or after 9999, say) is
 * not copyable, and its rows take the ordinary path.
 */
final class PostgresCopyLoad implements BulkLoad {
    private static final int FLUSH_BYTES = 1 << 20;

    @Override
    public boolean copyable(Object v) {
        return switch (v) {
            case null -> true;
            case String s -> true;
            case Boolean b -> true;
            case Short n -> true;
            case Integer n -> true;
            case Long n -> true;
            case BigInteger n -> true;
            case Float f -> Float.isFinite(f);
            case Double d -> Double.isFinite(d);
            case byte[] b -> true;
            case UUID u -> true;
            case PGobject o -> true;
            case LocalDate d -> plainYear(d.getYear());
            case LocalDateTime t -> plainYear(t.getYear());
            case OffsetDateTime t -> plainYear(t.getYear());
            case LocalTime t -> true;
            default -> false;
        };
    }

    private static boolean plainYear(int year) {
        return year >= 1 && year <= 9999;
    }

    @Override
    public void load(Connection conn, String quotedTable, List<String> quotedColumns, List<Object[]> rows) throws SQLException {
        String sql = "COPY " + quotedTable + " (" + String.join(", ", quotedColumns) + ") FROM STDIN";
        CopyIn copy = conn.unwrap(PGConnection.class).getCopyAPI().copyIn(sql);
        try {
            StringBuilder sb = new StringBuilder(64 * 1024);
            for (Object[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    if (i > 0) {
                        sb.append('\t');
                    }
                    append(sb, row[i]);
                }
                sb.append('\n');
                if (sb.length() >= FLUSH_BYTES) {
                    write(copy, sb);
                }
            }
            write(copy, sb);
            copy.endCopy();
        } finally {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
        }
    }

    private static void write(CopyIn copy, StringBuilder sb) throws SQLException {
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        copy.writeToCopy(bytes, 0, bytes.length);
        sb.setLength(0);
    }

    private static void append(StringBuilder sb, Object v) {
        switch (v) {
            case null -> sb.append("\\N");
            case String s -> escape(sb, s);
            case PGobject o -> {
                if (o.getValue() == null) {
                    sb.append("\\N");
                } else {
                    escape(sb, o.getValue());
                }
            }
            case Boolean b -> sb.append(b ? 't' : 'f');
            case byte[] b -> sb.append("\\\\x").append(HexFormat.of().formatHex(b));
            default -> sb.append(v); // numbers, UUIDs, and ISO dates and times of years 1 to 9999, which PostgreSQL reads as they are
        }
    }

    /** COPY's text escapes: backslash, and the tab, newline and carriage return that would end a field or row. */
    private static void escape(StringBuilder sb, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                default -> sb.append(c);
            }
        }
    }
}
