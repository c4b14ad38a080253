package io.tailwater.schemas;

/**
 * A leader value that its column's Java type cannot hold: a numeric {@code NaN} or infinity, a
 * date or timestamp {@code infinity}, the time {@code 24:00:00}. Carried as its text, which is
 * PostgreSQL's own spelling and the documented lossless text form; a follower that has the value
 * binds that text, one that has not refuses it and says so.
 *
 * @param text the value as PostgreSQL spells it
 */
public record Special(String text) {
    public static final Special NAN = new Special("NaN");
    public static final Special INFINITY = new Special("Infinity");
    public static final Special NEGATIVE_INFINITY = new Special("-Infinity");
    public static final Special DATE_INFINITY = new Special("infinity");
    public static final Special DATE_NEGATIVE_INFINITY = new Special("-infinity");
    public static final Special END_OF_DAY = new Special("24:00:00");

    /** The special value of a column kind spelled {@code text}, or null when the text is an ordinary value. */
    public static Special of(ColumnType type, String text) {
        return switch (type) {
            case DECIMAL, NUMERIC -> switch (text) {
                case "NaN" -> NAN;
                case "Infinity" -> INFINITY;
                case "-Infinity" -> NEGATIVE_INFINITY;
                default -> null;
            };
            case DATE, TIMESTAMP, TIMESTAMPTZ -> switch (text) {
                case "infinity" -> DATE_INFINITY;
                case "-infinity" -> DATE_NEGATIVE_INFINITY;
                default -> null;
            };
            case TIME -> text.startsWith("24:00:00") && text.chars().skip(8).allMatch(ch -> ch == '0' || ch == '.') ? END_OF_DAY : null;
            default -> null;
        };
    }

    /** Whether values of this kind can be special. */
    public static boolean possibleFor(ColumnType type) {
        return switch (type) {
            case DECIMAL, NUMERIC, DATE, TIME, TIMESTAMP, TIMESTAMPTZ -> true;
            default -> false;
        };
    }

    /** What the value is, for messages: {@code the numeric NaN}. */
    public String describe() {
        return switch (text) {
            case "NaN", "Infinity", "-Infinity" -> "the numeric " + text;
            case "24:00:00" -> "the time 24:00:00";
            default -> "the date/time " + text;
        };
    }

    @Override
    public String toString() {
        return text;
    }
}
