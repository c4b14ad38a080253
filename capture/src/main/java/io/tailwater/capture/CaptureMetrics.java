package io.tailwater.capture;

import java.util.concurrent.atomic.LongAdder;

/** Counters of what capture has written; read by the command line and tests. */
public final class CaptureMetrics {
    private final LongAdder rows = new LongAdder();
    private final LongAdder transactions = new LongAdder();
    private final LongAdder kafkaCommits = new LongAdder();
    private final LongAdder kafkaCommitNanos = new LongAdder();

    void rows(long n) {
        rows.add(n);
    }

    void transactions(long n) {
        transactions.add(n);
    }

    void kafkaCommit(long nanos) {
        kafkaCommits.increment();
        kafkaCommitNanos.add(nanos);
    }

    public long rows() {
        return rows.sum();
    }

    public long transactions() {
        return transactions.sum();
    }

    public long kafkaCommits() {
        return kafkaCommits.sum();
    }
}
