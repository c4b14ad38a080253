package io.tailwater.schemas;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The columns of one version of a leader table, in leader order. Row values travel as
 * {@code Object[]} aligned with {@link #columns()}. A value type (equal when id and columns are);
 * the key indexes are worked out once, as appliers ask for them for every row.
 */
public final class TableSchema {
    private final TableId id;
    private final List<Column> columns;
    private final boolean hasKey;
    private final int[] keyIndexes;
    private final int[] identityIndexes;

    public TableSchema(TableId id, List<Column> columns) {
        this.id = id;
        this.columns = List.copyOf(columns);
        List<Integer> keys = new ArrayList<>();
        for (int i = 0; i < this.columns.size(); i++) {
            if (this.columns.get(i).key()) {
                keys.add(i);
            }
        }
        this.keyIndexes = keys.stream().mapToInt(Integer::intValue).toArray();
        this.hasKey = keyIndexes.length > 0;
        this.identityIndexes = hasKey ? keyIndexes : allIndexes(this.columns.size());
    }

    public TableId id() {
        return id;
    }

    public List<Column> columns() {
        return columns;
    }

    /** Indexes (into {@link #columns()}) of the key columns, in column order. The array is shared: do not change it. */
    public int[] keyIndexes() {
        return keyIndexes;
    }

    /**
     * The columns that identify a row: the key, or every column for a table without one
     * (REPLICA IDENTITY FULL). The array is shared: do not change it.
     */
    public int[] identityIndexes() {
        return identityIndexes;
    }

    /**
     * The values that identify a row (see {@link #identityIndexes()}), comparable by
     * {@code equals}: bytes are wrapped, so that equal bytes are equal keys.
     */
    public List<Object> identityValues(Object[] row) {
        Object[] key = new Object[identityIndexes.length];
        for (int i = 0; i < key.length; i++) {
            Object v = row[identityIndexes[i]];
            key[i] = v instanceof byte[] b ? ByteBuffer.wrap(b) : v;
        }
        return Arrays.asList(key);
    }

    public boolean hasKey() {
        return hasKey;
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

    private static int[] allIndexes(int n) {
        int[] all = new int[n];
        for (int i = 0; i < n; i++) {
            all[i] = i;
        }
        return all;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TableSchema t && id.equals(t.id) && columns.equals(t.columns);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, columns);
    }

    @Override
    public String toString() {
        return "TableSchema[id=" + id + ", columns=" + columns + "]";
    }
}
