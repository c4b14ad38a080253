package io.tailwater.verify;

import io.tailwater.applier.dialect.Dialect;
import io.tailwater.applier.verify.TableDigests;
import io.tailwater.schemas.Column;
import io.tailwater.schemas.TableSchema;
import org.jooq.Name;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One read of a table, row by row, in the canonical values every dialect reads (so that tables on
 * different engines compare). A row is known by its key, the canonical values of the leader's key
 * columns; a table without a key is a multiset of whole rows, each known by its hash. For each
 * row it keeps a 64-bit hash of all its values, and the values themselves only for the rows it
 * was asked to keep.
 */
final class TableScan {
    /** What a scan keeps of one row (for a table without a key: of all copies of one row). */
    static final class Row {
        final long hash;
        int copies;
        List<String> values;

        Row(long hash) {
            this.hash = hash;
        }
    }

    private final TableSchema table;
    private final boolean keyed;
    private final int[] keyIndexes;
    /** The rows read, by key. */
    final Map<String, Row> rows = new HashMap<>();
    long rowCount;

    private TableScan(TableSchema table) {
        this.table = table;
        this.keyed = table.hasKey();
        this.keyIndexes = table.keyIndexes();
    }

    /**
     * Reads {@code name} over {@code c} (in the transaction the caller opened) with the leader's
     * columns. With {@code only}, rows whose key is not in it are passed over; values are kept for
     * the rows {@code keep} picks, by key and hash.
     */
    static TableScan read(Connection c, Dialect dialect, Name name, TableSchema table, Set<String> only, Keep keep)
            throws SQLException {
        TableScan scan = new TableScan(table);
        List<Column> columns = table.columns();
        String[] values = new String[columns.size()];
        try (PreparedStatement ps = c.prepareStatement(TableDigests.selectColumns(dialect, name, table))) {
            ps.setFetchSize(10_000);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    for (int i = 0; i < values.length; i++) {
                        values[i] = dialect.canonicalOf(rs, i + 1, columns.get(i));
                    }
                    scan.add(values, only, keep);
                }
            }
        }
        return scan;
    }

    /** Which rows' values a scan keeps. */
    interface Keep {
        boolean test(String key, long hash);
    }

    private void add(String[] values, Set<String> only, Keep keep) {
        long hash = hash(values);
        String key = keyed ? key(values) : Long.toHexString(hash);
        if (only != null && !only.contains(key)) {
            return;
        }
        rowCount++;
        Row row = rows.computeIfAbsent(key, k -> new Row(hash));
        row.copies++;
        if (row.values == null && keep.test(key, hash)) {
            row.values = Arrays.asList(values.clone());
        }
    }

    /** The key of a row: its key columns' canonical values, each marked null or not, one after the other. */
    private String key(String[] values) {
        StringBuilder sb = new StringBuilder();
        for (int i : keyIndexes) {
            String v = values[i];
            sb.append(v == null ? "\u0000" : "\u0001" + v.length() + ":" + v);
        }
        return sb.toString();
    }

    /** The key as people read it: {@code "id"=5, "region"='eu'}; "a row" for a table without a key. */
    String describe(String key, List<String> values) {
        if (!keyed) {
            return "(a row without a key, hash " + key + ")";
        }
        List<String> parts = new ArrayList<>();
        for (int i : keyIndexes) {
            String v = values == null ? null : values.get(i);
            parts.add(RowDivergence.quote(table.columns().get(i).name()) + "=" + RowDivergence.literal(v));
        }
        return String.join(", ", parts);
    }

    boolean keyed() {
        return keyed;
    }

    /**
     * 64-bit FNV-1a over the values' chars, each value marked null or not and ended by a
     * separator. Both sides are hashed in this process, so chars serve as well as bytes, and no
     * array is made per value.
     */
    static long hash(String[] values) {
        long h = 0xcbf29ce484222325L;
        for (String v : values) {
            if (v == null) {
                h = (h ^ 0x10000) * 0x100000001b3L;
            } else {
                h = (h ^ 0x10001) * 0x100000001b3L;
                for (int i = 0, n = v.length(); i < n; i++) {
                    h = (h ^ v.charAt(i)) * 0x100000001b3L;
                }
            }
            h = (h ^ 0x10002) * 0x100000001b3L;
        }
        return h;
    }
}
