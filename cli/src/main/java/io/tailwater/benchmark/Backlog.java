package io.tailwater.benchmark;

/**
 * One backlog shape: {@code rows} changes in transactions of {@code rowsPerTransaction}, all
 * inserts or the mix of 60% updates, 20% inserts and 20% deletes. Each change touches one row.
 */
public record Backlog(int rows, int rowsPerTransaction, Workload workload) {
    /** What the backlog's changes are. */
    public enum Workload {
        /** New rows only. */
        INSERTS,
        /** 60% updates, 20% inserts, 20% deletes of rows that a seed of {@code rows} rows made before. */
        MIXED
    }

    public Backlog {
        if (rows < 100 || rowsPerTransaction < 1) {
            throw new IllegalArgumentException("a backlog needs at least 100 rows and 1 row per transaction");
        }
    }

    public String label() {
        return String.format("N=%,d T=%d%s", rows, rowsPerTransaction, workload == Workload.MIXED ? " mixed" : "");
    }
}
