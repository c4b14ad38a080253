package io.tailwater.capture;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.util.concurrent.TimeUnit;

/**
 * What capture has written, as Micrometer meters tagged with the stream: row events and leader
 * transactions written to the log, and the duration of each Kafka transaction commit. Exposed in
 * Prometheus format by the command line.
 */
public final class CaptureMetrics {
    private final Counter rows;
    private final Counter transactions;
    private final Timer kafkaCommits;

    /** Meters in a private registry, for embedding without metrics export. */
    public CaptureMetrics(String stream) {
        this(new SimpleMeterRegistry(), stream);
    }

    public CaptureMetrics(MeterRegistry registry, String stream) {
        rows = Counter.builder("tailwater.capture.rows").description("Row change events written to the log")
                .tag("stream", stream).register(registry);
        transactions = Counter.builder("tailwater.capture.transactions").description("Leader transactions written to the log")
                .tag("stream", stream).register(registry);
        kafkaCommits = Timer.builder("tailwater.capture.kafka.commit").description("Kafka transaction commits")
                .tag("stream", stream).publishPercentileHistogram().register(registry);
    }

    void rows(long n) {
        rows.increment(n);
    }

    void transactions(long n) {
        transactions.increment(n);
    }

    void kafkaCommit(long nanos) {
        kafkaCommits.record(nanos, TimeUnit.NANOSECONDS);
    }

    public long rows() {
        return (long) rows.count();
    }

    public long transactions() {
        return (long) transactions.count();
    }

    /** Kafka transactions committed so far. */
    public long kafkaCommits() {
        return kafkaCommits.count();
    }

    /** The time those commits took, in all, in milliseconds. */
    public double kafkaCommitMillis() {
        return kafkaCommits.totalTime(TimeUnit.MILLISECONDS);
    }
}
