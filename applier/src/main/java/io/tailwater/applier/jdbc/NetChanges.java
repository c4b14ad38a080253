package io.tailwater.applier.jdbc;

import io.tailwater.schemas.TableId;
import io.tailwater.schemas.TableSchema;
import io.tailwater.schemas.Unchanged;
import io.tailwater.schemas.event.Op;
import io.tailwater.schemas.event.RowChange;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The net effect of a run of row changes on each row: the last change of each key wins. A group
 * of leader transactions is applied in one follower transaction, so no reader can see the states
 * in between, and applying only the last change of each row gives the same end state with fewer
 * statements. The result holds at most one change per key, so the upserts of one table can go
 * into one multi-row statement.
 */
final class NetChanges {
    private final Map<RowKey, RowChange> last = new HashMap<>();
    private final List<RowKey> order = new ArrayList<>();
    /** Keys whose first change in the run is an update or delete: the follower must have the row already. */
    private final List<Existing> mustExist = new ArrayList<>();

    private record RowKey(TableId table, List<Object> key) {
    }

    /**
     * A row the leader had before the run changed it, so the follower should have it too.
     *
     * @param change the first change of the row in the run
     * @param offset its log offset
     */
    record Existing(RowChange change, long offset) {
    }

    void add(RowChange change, long offset) {
        RowKey k = new RowKey(change.table().id(), change.table().identityValues(change.keyImage()));
        RowChange previous = last.get(k);
        if (previous != null && Unchanged.in(change.after()) && previous.after() != null && previous.table() == change.table()) {
            change = withEarlierValues(change, previous.after());
        }
        if (last.put(k, change) == null) {
            order.add(k);
            if (change.op() == Op.UPDATE || change.op() == Op.DELETE) {
                mustExist.add(new Existing(change, offset));
            }
        }
    }

    /**
     * The change with its unchanged, unsent columns taken from the same row's earlier image in this
     * run: the group is one follower transaction, so that image is what the follower would hold.
     */
    private static RowChange withEarlierValues(RowChange change, Object[] earlier) {
        Object[] after = change.after().clone();
        for (int i = 0; i < after.length; i++) {
            if (after[i] == Unchanged.VALUE) {
                after[i] = earlier[i];
            }
        }
        return new RowChange(change.table(), change.op(), change.before(), after, change.source());
    }

    /** The rows the follower must already have, by table version: first changed by an update or delete. */
    Map<TableSchema, List<Existing>> mustExist() {
        Map<TableSchema, List<Existing>> out = new IdentityHashMap<>();
        for (Existing e : mustExist) {
            out.computeIfAbsent(e.change().table(), t -> new ArrayList<>()).add(e);
        }
        return out;
    }

    boolean isEmpty() {
        return last.isEmpty();
    }

    /** The surviving deletes, by table version. */
    Map<TableSchema, List<RowChange>> deletes() {
        return byVersion(Kind.DELETE);
    }

    /** The surviving inserts and updates that carry every column (as upserts), by table version. */
    Map<TableSchema, List<RowChange>> upserts() {
        return byVersion(Kind.UPSERT);
    }

    /** The surviving updates that left some columns unchanged and unsent: only their other columns are written. */
    Map<TableSchema, List<RowChange>> partialUpdates() {
        return byVersion(Kind.PARTIAL);
    }

    private enum Kind { DELETE, UPSERT, PARTIAL }

    private Map<TableSchema, List<RowChange>> byVersion(Kind kind) {
        Map<TableSchema, List<RowChange>> out = new IdentityHashMap<>();
        for (RowKey k : order) {
            RowChange c = last.get(k);
            Kind of = c.op() == Op.DELETE ? Kind.DELETE : Unchanged.in(c.after()) ? Kind.PARTIAL : Kind.UPSERT;
            if (of == kind) {
                out.computeIfAbsent(c.table(), t -> new ArrayList<>()).add(c);
            }
        }
        return out;
    }

    void clear() {
        last.clear();
        order.clear();
        mustExist.clear();
    }
}
