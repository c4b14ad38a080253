package io.tailwater.schemas.pg;

import io.tailwater.schemas.JsonArrays;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * PostgreSQL array literals ({@code {{1,2},{3,NULL}}}) of any dimension, read into the log's
 * form, nested JSON arrays: integer, float and numeric elements as JSON numbers (NaN and
 * infinities as strings), booleans as JSON booleans, every other element as its PostgreSQL text
 * (timestamptz at UTC), NULL elements as {@code null}. The element kind comes from the array's
 * type name ({@code _int4}, {@code _text}, ...), as the log's {@code tailwater.source.type} has it.
 */
public final class PgArrays {
    private PgArrays() {
    }

    /** The log's JSON text of an array literal of type {@code arrayType} ({@code _int4}, case-insensitive). */
    public static String toJson(String arrayType, String literal) {
        String type = arrayType.toLowerCase(Locale.ROOT);
        char delimiter = type.equals("_box") ? ';' : ',';
        Parser p = new Parser(literal, delimiter);
        Object parsed = p.parse();
        return JsonArrays.write((List<?>) element(type, parsed));
    }

    private static Object element(String type, Object e) {
        if (e == null) {
            return null;
        }
        if (e instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (Object x : list) {
                out.add(element(type, x));
            }
            return out;
        }
        String s = (String) e;
        return switch (type) {
            case "_int2", "_int4", "_int8", "_oid" -> Long.parseLong(s);
            case "_float4" -> Float.parseFloat(s);
            case "_float8" -> Double.parseDouble(s);
            case "_numeric" -> s.equals("NaN") || s.equals("Infinity") || s.equals("-Infinity") ? s : new BigDecimal(s);
            case "_bool" -> s.equals("t") || s.equals("true");
            case "_timestamptz" -> s.equals("infinity") || s.equals("-infinity") ? s : PgText.timestamptz(PgText.timestamptz(s));
            case "_timetz" -> PgText.timetzAtUtc(s);
            default -> s;
        };
    }

    /** Reads one literal into nested lists of element texts (null for NULL). */
    private static final class Parser {
        private final String s;
        private final char delimiter;
        private int i;

        Parser(String s, char delimiter) {
            this.s = s;
            this.delimiter = delimiter;
        }

        Object parse() {
            if (s.startsWith("[")) {
                // dimension decoration, written only for lower bounds other than 1
                throw new IllegalArgumentException("an array with lower bounds other than 1 (" + s.substring(0, s.indexOf('=') + 1)
                        + ") has no JSON form that keeps them");
            }
            Object v = array();
            skipSpace();
            if (i != s.length()) {
                throw bad();
            }
            return v;
        }

        private List<Object> array() {
            expect('{');
            List<Object> out = new ArrayList<>();
            skipSpace();
            if (peek() == '}') {
                i++;
                return out;
            }
            while (true) {
                skipSpace();
                char c = peek();
                if (c == '{') {
                    out.add(array());
                } else if (c == '"') {
                    out.add(quoted());
                } else {
                    String raw = unquoted();
                    out.add(raw.equalsIgnoreCase("NULL") ? null : raw);
                }
                skipSpace();
                char next = s.charAt(i++);
                if (next == '}') {
                    return out;
                }
                if (next != delimiter) {
                    throw bad();
                }
            }
        }

        private String quoted() {
            expect('"');
            StringBuilder sb = new StringBuilder();
            while (true) {
                char c = s.charAt(i++);
                if (c == '\\') {
                    sb.append(s.charAt(i++));
                } else if (c == '"') {
                    return sb.toString();
                } else {
                    sb.append(c);
                }
            }
        }

        private String unquoted() {
            int start = i;
            while (i < s.length() && s.charAt(i) != delimiter && s.charAt(i) != '}') {
                i++;
            }
            return s.substring(start, i).strip();
        }

        private void skipSpace() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private char peek() {
            if (i >= s.length()) {
                throw bad();
            }
            return s.charAt(i);
        }

        private void expect(char c) {
            if (peek() != c) {
                throw bad();
            }
            i++;
        }

        private IllegalArgumentException bad() {
            return new IllegalArgumentException("not a PostgreSQL array literal at character " + i + ": "
                    + (s.length() > 80 ? s.substring(0, 80) + "..." : s));
        }
    }
}
