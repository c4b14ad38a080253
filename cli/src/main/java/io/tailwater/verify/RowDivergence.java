package io.tailwater.verify;

import io.tailwater.schemas.TableId;

import java.util.List;

/**
 * A row on which a follower differs from its leader, confirmed by {@code verify}: the leader's row
 * stayed the same from before the follower was read until after, so the follower was not merely
 * behind.
 *
 * @param table          the leader table
 * @param key            the row's key as people read it ({@code "id"=5}); for a table without a key, "a row"
 * @param kind           how it differs
 * @param columns        for {@link Kind#DIFFERENT}: the columns whose values differ
 * @param copies         for a table without a key: how many more copies of the row one side has; else 1
 * @param leaderValues   the leader's values in column order, for {@code --show-values}; null when it has no such row
 * @param followerValues the follower's values in column order; null when it has no such row
 */
public record RowDivergence(TableId table, String key, Kind kind, List<String> columns, int copies,
                            List<String> leaderValues, List<String> followerValues) {

    /** How a follower's row differs from the leader's. */
    public enum Kind {
        /** The leader has the row; the follower does not. */
        MISSING,
        /** The follower has a row the leader does not. */
        EXTRA,
        /** Both have the row, with other values in some columns. */
        DIFFERENT
    }

    /** One line for people; values only with {@code showValues}. */
    public String render(List<String> columnNames, boolean showValues) {
        String what = switch (kind) {
            case MISSING -> "missing on the follower" + (copies > 1 ? " (" + copies + " copies)" : "");
            case EXTRA -> "only on the follower" + (copies > 1 ? " (" + copies + " copies)" : "");
            case DIFFERENT -> "differs in " + String.join(", ", columns.stream().map(RowDivergence::quote).toList());
        };
        StringBuilder line = new StringBuilder(table + " " + key + ": " + what);
        if (showValues) {
            if (leaderValues != null) {
                line.append("\n    leader:   ").append(values(columnNames, leaderValues));
            }
            if (followerValues != null) {
                line.append("\n    follower: ").append(values(columnNames, followerValues));
            }
        }
        return line.toString();
    }

    private static String values(List<String> names, List<String> values) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < values.size(); i++) {
            sb.append(i > 0 ? ", " : "").append(quote(names.get(i))).append('=').append(literal(values.get(i)));
        }
        return sb.toString();
    }

    /** A value as verify prints it: its canonical text in single quotes, or NULL. */
    static String literal(String value) {
        return value == null ? "NULL" : "'" + value.replace("'", "''") + "'";
    }

    static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
