package io.tailwater.schemas;

/**
 * A leader table's schema-qualified name, unquoted and exact. Names may contain any character;
 * quote them when they reach SQL and never paste them into it.
 */
public record TableId(String schema, String table) {

    /** Parses {@code schema.table} as Debezium names tables (the first dot separates). */
    public static TableId parse(String qualified) {
        int dot = qualified.indexOf('.');
        return dot < 0 ? new TableId("public", qualified) : new TableId(qualified.substring(0, dot), qualified.substring(dot + 1));
    }

    /** A quoted form for messages: {@code "public"."my table"}. */
    @Override
    public String toString() {
        return quote(schema) + "." + quote(table);
    }

    /** {@code schema.table} without quoting, the form headers carry. */
    public String qualified() {
        return schema + "." + table;
    }

    private static String quote(String s) {
        return '"' + s.replace("\"", "\"\"") + '"';
    }
}
