package io.tailwater.applier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.util.concurrent.TimeUnit;

/**
 * What an applier has applied, as Micrometer meters tagged with stream and follower: rows,
 * leader transactions, follower transactions (groups) with their size and duration, retries and
 * errors. The lag gauges are registered by the applier. Exposed in Prometheus format by the
 * command line.
 */
public final class ApplierMetrics {
    private final MeterRegistry registry;
    private final Counter rows;
    private final Counter transactions;
    private final DistributionSummary groupRows;
    private final Timer groupDuration;
    private final Counter retries;
    private final Counter errors;
    private final Counter skipped;
    private final Counter divergences;

    /** Meters in a private registry, for embedding without metrics export. */
    public ApplierMetrics(String stream, String follower) {
        this(new SimpleMeterRegistry(), stream, follower);
    }

    public ApplierMetrics(MeterRegistry registry, String stream, String follower) {
        this.registry = registry;
        rows = Counter.builder("tailwater.apply.rows").description("Row changes applied")
                .tags("stream", stream, "follower", follower).register(registry);
        transactions = Counter.builder("tailwater.apply.transactions").description("Leader transactions applied")
                .tags("stream", stream, "follower", follower).register(registry);
        groupRows = DistributionSummary.builder("tailwater.apply.group.rows").description("Rows per follower transaction")
                .tags("stream", stream, "follower", follower).register(registry);
        groupDuration = Timer.builder("tailwater.apply.group.duration").description("Time to apply and commit one follower transaction")
                .tags("stream", stream, "follower", follower).publishPercentileHistogram().register(registry);
        retries = Counter.builder("tailwater.apply.retries").description("Retries after the follower was briefly unavailable")
                .tags("stream", stream, "follower", follower).register(registry);
        errors = Counter.builder("tailwater.apply.errors").description("Errors that stopped the applier")
                .tags("stream", stream, "follower", follower).register(registry);
        skipped = Counter.builder("tailwater.apply.skipped").description("Undecodable log records passed over by operator request")
                .tags("stream", stream, "follower", follower).register(registry);
        divergences = Counter.builder("tailwater.apply.divergences")
                .description("Leader updates and deletes of rows the follower did not have")
                .tags("stream", stream, "follower", follower).register(registry);
    }

    MeterRegistry registry() {
        return registry;
    }

    void applied(int rowCount, int transactionCount, long nanos) {
        rows.increment(rowCount);
        transactions.increment(transactionCount);
        groupRows.record(rowCount);
        groupDuration.record(nanos, TimeUnit.NANOSECONDS);
    }

    void retried() {
        retries.increment();
    }

    void failed() {
        errors.increment();
    }

    public long rows() {
        return (long) rows.count();
    }

    public long transactions() {
        return (long) transactions.count();
    }

    /** Counts a log record passed over at the operator's request. */
    void skipped() {
        skipped.increment();
    }

    /** Counts rows the follower lacked when the leader updated or deleted them. */
    void diverged(int rowCount) {
        divergences.increment(rowCount);
    }

    public long divergences() {
        return (long) divergences.count();
    }

    public long retries() {
        return (long) retries.count();
    }
}
