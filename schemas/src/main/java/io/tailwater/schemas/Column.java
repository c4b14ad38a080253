package io.tailwater.schemas;

/**
 * One column of a replicated table, as the leader describes it.
 *
 * @param name the column's name on the leader, exactly (may contain any character)
 * @param type the value kind
 * @param sourceType the leader's type name, e.g. {@code VARCHAR}, {@code NUMERIC}, {@code TIMESTAMPTZ}
 * @param length the leader's length or precision, or -1 when it has none
 * @param scale the leader's scale, or -1 when it has none
 * @param optional whether the column accepts NULL
 * @param key whether the column is part of the primary key (or replica identity)
 * @param defaultText the leader's constant default in {@link ValueText} form, or null
 */
public record Column(String name, ColumnType type, String sourceType, int length, int scale,
                     boolean optional, boolean key, String defaultText) {

    /** A column without a default. */
    public Column(String name, ColumnType type, String sourceType, int length, int scale, boolean optional, boolean key) {
        this(name, type, sourceType, length, scale, optional, key, null);
    }

    /** The leader's type name in upper case, or "" when unknown. */
    public String sourceTypeName() {
        return sourceType == null ? "" : sourceType.toUpperCase(java.util.Locale.ROOT);
    }

    /** The same column with a default. */
    public Column withDefault(String text) {
        return new Column(name, type, sourceType, length, scale, optional, key, text);
    }
}
