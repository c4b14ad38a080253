package io.tailwater.capture;

import io.tailwater.schemas.TableId;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tables capture has just added to its publication and whose blocking snapshot has not
 * reached the log yet. Their streamed changes in that window are left out of the log: each was
 * committed before Debezium paused streaming for the snapshot, so the snapshot's rows already
 * hold it, and on a follower it would touch a row that is not there yet (a false divergence, or a
 * stop with {@code on-divergence: stop}). A table leaves at its first snapshot row, or when the
 * snapshot ends without rows.
 */
final class JoiningTables {
    private final Set<TableId> tables = ConcurrentHashMap.newKeySet();
    private volatile String abortedSnapshot;
    /** Whether a blocking snapshot has been asked for and has not ended yet. */
    private volatile boolean snapshotAsked;

    /** From now on, streamed changes of {@code table} wait for its snapshot (they are left out). */
    void join(TableId table) {
        tables.add(table);
    }

    /** A blocking snapshot is asked for: until it ends, what streams is not {@link #settled()}. */
    void snapshotAsked() {
        snapshotAsked = true;
    }

    /** Whether no table is joining and no snapshot is asked for or running. */
    boolean settled() {
        return tables.isEmpty() && !snapshotAsked;
    }

    /** Whether a streamed change of {@code table} is left out of the log. */
    boolean leavesOut(TableId table) {
        return !tables.isEmpty() && tables.contains(table);
    }

    /** The first snapshot row of {@code table} (or it did not join after all): its changes are logged again from here. */
    void leave(TableId table) {
        if (!tables.isEmpty()) {
            tables.remove(table);
        }
    }

    /**
     * Debezium says a snapshot ended. Tables still joining had no rows left to read; their
     * changes are logged again. An aborted snapshot is kept, for capture to stop on.
     */
    void snapshotEnded(boolean aborted) {
        if (aborted && !tables.isEmpty()) {
            abortedSnapshot = tables.toString();
        }
        tables.clear();
        snapshotAsked = false;
    }

    /** The tables of a blocking snapshot that Debezium aborted, or null. */
    String abortedSnapshot() {
        return abortedSnapshot;
    }
}
