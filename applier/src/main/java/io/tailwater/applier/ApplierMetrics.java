package io.tailwater.applier;

import java.util.concurrent.atomic.LongAdder;

/** Counters of what an applier has applied; read by the command line and tests. */
public final class ApplierMetrics {
    private final LongAdder rows = new LongAdder();
    private final LongAdder transactions = new LongAdder();
    private final LongAdder groups = new LongAdder();
    private final LongAdder retries = new LongAdder();

    void applied(int rowCount, int transactionCount) {
        rows.add(rowCount);
        transactions.add(transactionCount);
        groups.increment();
    }

    void retried() {
        retries.increment();
    }

    public long rows() {
        return rows.sum();
    }

    public long transactions() {
        return transactions.sum();
    }

    public long groups() {
        return groups.sum();
    }

    public long retries() {
        return retries.sum();
    }
}
