package io.tailwater.applier.jdbc;

import io.tailwater.applier.dialect.Dialect;
import io.tailwater.schemas.TableSchema;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Name;
import org.jooq.Table;
import org.jooq.impl.DSL;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The SQL for one version of one table on one follower, rendered once by jOOQ: the upsert used
 * for inserts, updates and snapshot reads (idempotent, so a replayed change is harmless), and the
 * delete by key. Where the upsert has a plain {@code VALUES} tuple, also the same upsert for
 * {@link #rowsPerStatement} rows at once.
 */
final class TableStatements {
    final TableSchema table;
    final Name name;
    final String upsert;
    final String delete;
    final int[] keyIndexes;
    /** The upsert of {@link #rowsPerStatement} rows in one statement, or null where the dialect's upsert has no VALUES tuple to repeat. */
    final String upsertRows;
    final int rowsPerStatement;
    /** For a table without a key (REPLICA IDENTITY FULL on the leader): plain insert, and change or delete of one row found by all its values. */
    final String insert;
    final String deleteOne;
    final String updateOne;
    /** The quoted table name, column names (in the leader's column order) and key column names: rendered once. */
    final String quotedTable;
    final List<String> quotedColumns;
    private final List<String> quotedKeys;

    /** Keys per statement that finds or deletes rows by a one-column key: {@code WHERE k IN (?, ...)}. */
    static final int KEYS_PER_STATEMENT = 200;

    /** Bind parameters per statement: under PostgreSQL's and SQLite's limits of 32,767. */
    private static final int MAX_PARAMETERS = 30_000;
    private static final int MAX_ROWS = 500;

    TableStatements(TableSchema table, Dialect dialect, DSLContext dsl) {
        this.table = table;
        this.name = dialect.tableName(table.id());
        this.keyIndexes = table.identityIndexes();
        List<Name> columnNames = table.columns().stream().map(c -> DSL.name(c.name())).toList();
        List<Name> keyNames = java.util.Arrays.stream(keyIndexes).mapToObj(columnNames::get).toList();
        this.upsert = upsert(dsl, dialect, name, columnNames, keyNames);
        Table<?> t = DSL.table(name);
        org.jooq.Condition where = DSL.noCondition();
        for (Name k : keyNames) {
            where = where.and(DSL.field(k).eq(DSL.param()));
        }
        this.delete = dsl.render(dsl.deleteFrom(t).where(where));
        this.rowsPerStatement = Math.max(1, Math.min(MAX_ROWS, MAX_PARAMETERS / columnNames.size()));
        this.upsertRows = rowsPerStatement > 1 ? repeatTuple(upsert, columnNames.size(), rowsPerStatement) : null;
        this.quotedTable = dsl.render(name);
        List<String> quoted = columnNames.stream().map(dsl::render).toList();
        this.quotedColumns = quoted;
        this.insert = "INSERT INTO " + quotedTable + " (" + String.join(", ", quoted) + ") VALUES ("
                + String.join(", ", java.util.Collections.nCopies(quoted.size(), "?")) + ")";
        List<String> conditions = new java.util.ArrayList<>();
        for (int i = 0; i < quoted.size(); i++) {
            conditions.add(dialect.nullSafeEquals(table.columns().get(i), quoted.get(i)));
        }
        this.deleteOne = dialect.deleteOne(quotedTable, conditions);
        this.updateOne = dialect.updateOne(quotedTable, quoted, conditions);
        this.quotedKeys = java.util.Arrays.stream(keyIndexes).mapToObj(quoted::get).toList();
    }

    /** Whether the key is one column, so rows can be found by {@code k IN (...)}, one index lookup per key everywhere. */
    boolean singleColumnKey() {
        return keyIndexes.length == 1;
    }

    /**
     * {@code SELECT count(*) FROM t WHERE <the key is one of n keys>}: {@code k IN (?, ...)} for a
     * one-column key, an {@code OR} of key equalities otherwise; the key parameters in order.
     */
    String countKeys(int n) {
        return "SELECT count(*) FROM " + quotedTable + " WHERE " + keysCondition(n);
    }

    /** {@code DELETE FROM t WHERE k IN (?, ...)} for {@code n} keys of a one-column key. */
    String deleteKeys(int n) {
        return "DELETE FROM " + quotedTable + " WHERE " + keysCondition(n);
    }

    private String keysCondition(int n) {
        if (quotedKeys.size() == 1) {
            return quotedKeys.get(0) + " IN (" + String.join(", ", java.util.Collections.nCopies(n, "?")) + ")";
        }
        String one = "(" + String.join(" AND ", quotedKeys.stream().map(k -> k + " = ?").toList()) + ")";
        return String.join(" OR ", java.util.Collections.nCopies(n, one));
    }

    /**
     * {@code UPDATE t SET c = ?, ... WHERE k = ?, ...} for the columns of {@code row} that are not
     * {@link io.tailwater.schemas.Unchanged}: the values first, in column order, then the key.
     */
    String partialUpdate(Object[] row) {
        StringBuilder sql = new StringBuilder("UPDATE ").append(quotedTable).append(" SET ");
        String separator = "";
        for (int i = 0; i < row.length; i++) {
            if (row[i] != io.tailwater.schemas.Unchanged.VALUE) {
                sql.append(separator).append(quotedColumns.get(i)).append(" = ?");
                separator = ", ";
            }
        }
        return sql.append(" WHERE ").append(String.join(" AND ", quotedKeys.stream().map(k -> k + " = ?").toList())).toString();
    }

    /** {@code sql} with its one {@code (?, ?, ...)} tuple of {@code width} parameters repeated {@code rows} times, or null. */
    static String repeatTuple(String sql, int width, int rows) {
        String tuple = "(" + String.join(", ", java.util.Collections.nCopies(width, "?")) + ")";
        int at = sql.indexOf(tuple);
        if (at < 0 || at != sql.lastIndexOf(tuple) || sql.chars().filter(ch -> ch == '?').count() != width) {
            return null;
        }
        return sql.substring(0, at) + String.join(", ", java.util.Collections.nCopies(rows, tuple)) + sql.substring(at + tuple.length());
    }

    /**
     * An upsert with one {@code ?} per column: the dialect's own statement if it has one, else
     * jOOQ's {@code INSERT ... ON CONFLICT (keys) DO UPDATE SET c = excluded.c}.
     */
    static String upsert(DSLContext dsl, Dialect dialect, Name table, List<Name> columns, List<Name> keys) {
        String own = dialect.upsert(dsl.render(table), columns.stream().map(dsl::render).toList(), keys.stream().map(dsl::render).toList());
        if (own != null) {
            return own;
        }
        List<Field<Object>> fields = columns.stream().map(DSL::field).toList();
        List<Field<?>> keyFields = keys.stream().<Field<?>>map(DSL::field).toList();
        Map<Field<?>, Object> updates = new LinkedHashMap<>();
        for (Field<Object> f : fields) {
            if (!keys.contains(f.getQualifiedName())) {
                updates.put(f, DSL.excluded(f));
            }
        }
        var insert = dsl.insertInto(DSL.table(table)).columns(fields).values(fields.stream().map(f -> (Object) DSL.param()).toArray());
        return updates.isEmpty()
                ? dsl.render(insert.onConflict(keyFields).doNothing())
                : dsl.render(insert.onConflict(keyFields).doUpdate().set(updates));
    }
}
