package io.tailwater.schemas;

import java.util.ArrayList;
import java.util.List;

/**
 * The columns of one version of a leader table, in leader order. Row values travel as
 * {@code Object[]} aligned with {@link #columns()}.
 */
public record TableSchema(TableId id, List<Column> columns) {

    public TableSchema {
        columns = List.copyOf(columns);
    }

    /** Indexes (into {@link #columns()}) of the key columns, in column order. */
    public int[] keyIndexes() {
        List<Integer> keys = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).key()) {
                keys.add(i);
            }
        }
        return keys.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The columns that identify a row: the key, or every column of a table without one. */
    public int[] identityIndexes() {
        return hasKey() ? keyIndexes() : allIndexes();
    }

    public boolean hasKey() {
        return columns.stream().anyMatch(Column::key);
    }

    /** The key values of a row, named, for error messages: {@code "id"=42}. */
    public String describeKey(Object[] row) {
        if (row == null) {
            return "(no row)";
        }
        if (!hasKey()) {
            return "(a row of a table without a key; its values are left out)";
        }
        StringBuilder sb = new StringBuilder();
        for (int i : identityIndexes()) {
            if (!sb.isEmpty()) {
                sb.append(", ");
            }
            sb.append('"').append(columns.get(i).name().replace("\"", "\"\"")).append("\"=").append(row[i]);
        }
        return sb.toString();
    }

    private int[] allIndexes() {
        int[] all = new int[columns.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return all;
    }
}
