package io.tailwater.applier.jdbc;

import io.tailwater.applier.dialect.Dialect;
import io.tailwater.schemas.Column;
import io.tailwater.schemas.TableSchema;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Name;
import org.jooq.Table;
import org.jooq.impl.DSL;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The SQL for one version of one table on one follower, rendered once by jOOQ: the upsert used
 * for inserts, updates and snapshot reads (idempotent, so a replayed change is harmless), the
 * delete by key, and the truncate.
 */
final class TableStatements {
    final TableSchema table;
    final Name name;
    final String upsert;
    final String delete;
    final String truncate;
    final int[] keyIndexes;

    TableStatements(TableSchema table, Dialect dialect, DSLContext dsl) {
        this.table = table;
        this.name = dialect.tableName(table.id());
        this.keyIndexes = table.hasKey() ? table.keyIndexes() : allIndexes(table);
        Table<?> t = DSL.table(name);
        List<Field<Object>> fields = new ArrayList<>();
        for (Column c : table.columns()) {
            fields.add(DSL.field(DSL.name(name.last(), c.name())));
        }
        List<Field<Object>> unqualified = new ArrayList<>();
        for (Column c : table.columns()) {
            unqualified.add(DSL.field(DSL.name(c.name())));
        }
        List<Field<?>> keys = new ArrayList<>();
        for (int k : keyIndexes) {
            keys.add(unqualified.get(k));
        }
        List<Object> params = new ArrayList<>();
        for (int i = 0; i < fields.size(); i++) {
            params.add(DSL.param());
        }
        Map<Field<?>, Object> updates = new LinkedHashMap<>();
        for (int i = 0; i < unqualified.size(); i++) {
            if (!table.columns().get(i).key()) {
                updates.put(unqualified.get(i), DSL.excluded(unqualified.get(i)));
            }
        }
        var insert = dsl.insertInto(t).columns(unqualified).values(params.toArray());
        this.upsert = updates.isEmpty()
                ? dsl.render(insert.onConflict(keys).doNothing())
                : dsl.render(insert.onConflict(keys).doUpdate().set(updates));
        org.jooq.Condition where = DSL.noCondition();
        for (int k : keyIndexes) {
            where = where.and(unqualified.get(k).eq(DSL.param()));
        }
        this.delete = dsl.render(dsl.deleteFrom(t).where(where));
        this.truncate = dsl.render(dsl.deleteFrom(t));
    }

    private static int[] allIndexes(TableSchema table) {
        int[] all = new int[table.columns().size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return all;
    }
}
