package io.tailwater.applier;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tailwater.applier.dialect.Dialect;
import io.tailwater.applier.dialect.Dialects;
import io.tailwater.applier.jdbc.AppliedPosition;
import io.tailwater.applier.jdbc.ApplyFailure;
import io.tailwater.applier.jdbc.FollowerStore;
import io.tailwater.config.FollowerConfig;
import io.tailwater.config.StreamConfig;
import io.tailwater.log.FollowerState;
import io.tailwater.log.ProcessUptime;
import io.tailwater.log.SnapshotWatermark;
import io.tailwater.log.KafkaClients;
import io.tailwater.log.KafkaUnavailableException;
import io.tailwater.log.StartupTask;
import io.tailwater.schemas.event.Heartbeat;
import io.tailwater.schemas.event.LeaderChange;
import io.tailwater.schemas.event.LogEvent;
import io.tailwater.schemas.event.LogHeaders;
import io.tailwater.schemas.event.RowChange;
import io.tailwater.schemas.event.TransactionEnd;
import io.tailwater.schemas.event.Truncate;
import io.tailwater.schemas.registry.SchemaRegistryClient;
import io.tailwater.schemas.serde.LogRecordSerde;
import io.tailwater.schemas.serde.UndecodableRecordException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The applier of one follower: reads the replication log (read_committed, its single partition
 * assigned manually) and applies whole leader transactions to the follower database, grouping
 * small ones into one follower transaction. The follower's position is stored in the follower,
 * in the same transaction as the rows, and the applier resumes from it on start.
 *
 * <p>Lifecycle: {@link #start()} connects and seeks, then applies on its own thread until
 * {@link #close()}, or until an error it cannot get past, which it reports with the log offset.
 * A follower that goes away briefly is retried with backoff from its stored position.
 */
public final class Applier implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Applier.class);
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
    private static final int MAX_POLL_RECORDS = 5000;

    private final StreamConfig config;
    private final FollowerConfig follower;
    private final Dialect dialect;
    private final TopicPartition partition;
    private final ApplierMetrics metrics;
    /** Log records not read yet, as of the last poll; -1 before the first. */
    private volatile long lagRecords = -1;
    private final TransactionGroup group = new TransactionGroup();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Duration startupTimeout;
    /** Undecodable log records the operator chose to pass over ({@code --skip-offset}). */
    private final Set<Long> skipOffsets;
    private final boolean rebuild;
    /** Whether the follower is to be loaded from the snapshot before it applies the log. */
    private boolean loadFromSnapshot;
    private volatile SnapshotLoad load;
    /** The highest log offset among the rows loaded from the snapshot: the follower is consistent only past it. */
    private volatile long loadedThrough = -1;

    private FollowerStore store;
    private KafkaConsumer<byte[], byte[]> consumer;
    private PositionPublisher positions;
    private LogRecordSerde serde;
    private Thread thread;
    private volatile boolean running;
    private boolean firstGroupLogged;
    private volatile FollowerState state = FollowerState.CATCHING_UP;
    private volatile AppliedPosition applied;
    private LeaderWatch leaders;
    /** The offset of the leader change that names this follower, once read; -1 before. */
    private long promotedAt = -1;

    public Applier(StreamConfig config, String followerName) {
        this(config, followerName, STARTUP_TIMEOUT);
    }

    public Applier(StreamConfig config, String followerName, Duration startupTimeout) {
        this(config, followerName, startupTimeout, new SimpleMeterRegistry());
    }

    /** An applier whose metrics (and its Kafka consumer's) go to {@code registry}. */
    public Applier(StreamConfig config, String followerName, Duration startupTimeout,
                   MeterRegistry registry) {
        this(config, followerName, startupTimeout, registry, Set.of());
    }

    /**
     * An applier that passes over the undecodable records at {@code skipOffsets}, recording each
     * in the follower's {@code tailwater_skipped} table. A record there that decodes is not skipped.
     */
    public Applier(StreamConfig config, String followerName, Duration startupTimeout,
                   MeterRegistry registry, Set<Long> skipOffsets) {
        this(config, followerName, new Options(startupTimeout, registry, skipOffsets, false));
    }

    /**
     * How an applier runs.
     *
     * @param startupTimeout how long to keep trying to reach the follower, Kafka and the registry at start
     * @param registry where its metrics (and its Kafka consumer's) go
     * @param skipOffsets undecodable log records to pass over ({@code --skip-offset})
     * @param rebuild empty the follower's replicated tables and load it from the snapshot first ({@code --rebuild})
     */
    public record Options(Duration startupTimeout, MeterRegistry registry, Set<Long> skipOffsets,
                          boolean rebuild) {
        public Options {
            skipOffsets = Set.copyOf(skipOffsets);
        }
    }

    public Applier(StreamConfig config, String followerName, Options options) {
        this.skipOffsets = options.skipOffsets();
        this.metrics = new ApplierMetrics(options.registry(), config.stream(), followerName);
        this.config = config;
        this.follower = config.follower(followerName);
        this.dialect = Dialects.of(follower.kind());
        this.partition = new TopicPartition(config.logTopic(), 0);
        this.startupTimeout = options.startupTimeout();
        this.rebuild = options.rebuild();
    }

    /** Connects to the follower and Kafka, seeks to the stored position and starts applying. */
    public void start() {
        // The Kafka clients and the registry client are made side by side with opening the follower (see StartupTask).
        StartupTask<SchemaRegistryClient> registryTask = StartupTask.fork("registry", () -> new SchemaRegistryClient(config.registry()));
        StartupTask<KafkaConsumer<byte[], byte[]>> consumerTask = StartupTask.fork("consumer", () -> KafkaClients.consumer(config,
                "tailwater-apply-" + config.stream() + "-" + follower.name(),
                Map.of("max.poll.records", MAX_POLL_RECORDS, "default.api.timeout.ms", (int) startupTimeout.toMillis())));
        StartupTask<KafkaProducer<byte[], byte[]>> positionsTask = StartupTask.fork("positions", () -> KafkaClients.producer(config,
                "tailwater-positions-" + config.stream() + "-" + follower.name(), Map.of("linger.ms", 0, "max.block.ms", 5000), Map.of()));
        // jOOQ's first query takes long to set up: done while the follower connection is made.
        StartupTask.fork("sql", () -> dialect.dsl().render(DSL.selectOne()));
        try {
            store = FollowerStore.open(follower, dialect, config.stream(), startupTimeout);
            applied = store.position().orElse(null);
        } catch (SQLException | RuntimeException e) {
            consumerTask.discard(c -> c.close(Duration.ZERO));
            positionsTask.discard(p -> p.close(Duration.ZERO));
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new ApplierException("cannot open follower '" + follower.name() + "': " + e.getMessage()
                    + "; check followers." + follower.name() + ".jdbc-url, user and password", -1, e);
        }
        serde = new LogRecordSerde(registryTask.join());
        consumer = consumerTask.join();
        positions = new PositionPublisher(positionsTask.join(), config.positionsTopic(), follower.name());
        new KafkaClientMetrics(consumer).bindTo(metrics.registry());
        Gauge.builder("tailwater.apply.lag.records", this, a -> Math.max(0, a.lagRecords))
                .description("Log records not applied yet").tags("stream", config.stream(), "follower", follower.name())
                .register(metrics.registry());
        Gauge.builder("tailwater.apply.lag.ms", this, Applier::lagMillis)
                .description("Age of the last applied leader commit while behind, 0 when caught up")
                .tags("stream", config.stream(), "follower", follower.name()).register(metrics.registry());
        try {
            leaders = LeaderWatch.start(consumer, config, serde, startupTimeout, follower.name());
            loadFromSnapshot = needsLoad();
            if (!loadFromSnapshot) {
                consumer.assign(List.of(partition));
                seekToStoredPosition();
            }
        } catch (KafkaException e) {
            closeClients();
            throw new KafkaUnavailableException("cannot read '" + config.logTopic() + "' from Kafka at "
                    + config.kafka().get("bootstrap.servers") + ": " + e.getMessage(), e);
        } catch (ApplierException e) {
            closeClients();
            throw e;
        }
        running = true;
        publish(null);
        thread = new Thread(this::run, "tailwater-apply-" + follower.name());
        thread.start();
        LOG.info("Applier of follower '{}' started at log offset {}", follower.name(),
                loadFromSnapshot ? "(after its load from '" + config.snapshotTopic() + "')" : applied == null ? "(beginning)" : applied.logOffset() + 1);
    }

    /**
     * Whether the follower is to be loaded from the snapshot: asked to rebuild, or without a
     * position when the stream has a snapshot. Without a position or a snapshot, a log that no
     * longer starts at its first record cannot make the follower whole: refused.
     */
    private boolean needsLoad() {
        if (!rebuild && applied != null) {
            return false;
        }
        Optional<SnapshotWatermark> snapshot = SnapshotWatermark.read(consumer, config, serde, startupTimeout);
        if (snapshot.isPresent()) {
            return true;
        }
        long begin = consumer.beginningOffsets(List.of(partition)).get(partition);
        if (rebuild || begin > 0) {
            throw new ApplierException("follower '" + follower.name() + "' " + (rebuild ? "is to be rebuilt" : "has no position yet")
                    + ", and the stream has no snapshot to load it from ('" + config.snapshotTopic() + "' holds no watermark)"
                    + (begin > 0 ? "; the log starts at offset " + begin + " (retention removed its beginning), so replaying it"
                    + " would miss rows" : "") + ". Run 'tailwater compact --config ...' until 'status' shows the snapshot's watermark,"
                    + " then start the applier again", -1, null);
        }
        return false;
    }

    /** Loads the follower from the snapshot, then seeks the log to the watermark's next record. */
    private void loadSnapshot() {
        state = FollowerState.LOADING;
        if (rebuild) {
            applied = null; // the load empties the follower's tables and its position first
        }
        publish(null);
        LOG.info("Follower '{}' {}: loading it from '{}'", follower.name(), rebuild ? "is rebuilt" : "has no position",
                config.snapshotTopic());
        SnapshotLoad l = new SnapshotLoad(config, follower.name(), store, serde, consumer, startupTimeout);
        load = l;
        SnapshotLoad.Result result;
        try {
            result = l.run().orElseThrow(() -> new ApplierException("'" + config.snapshotTopic()
                    + "' lost its watermark during the load of follower '" + follower.name() + "'; start the applier again", -1, null));
        } catch (SQLException e) {
            throw new ApplierException("follower '" + follower.name() + "' failed while loading from '" + config.snapshotTopic() + "': "
                    + e.getMessage() + ". It has no position yet, so starting the applier again loads the snapshot anew", -1, e);
        }
        applied = result.position();
        loadedThrough = result.highestLogOffset();
        load = null;
        consumer.assign(List.of(partition));
        seekToStoredPosition();
        state = FollowerState.CATCHING_UP;
        publish(null);
        LOG.info("Follower '{}' loaded {} rows from '{}', reflecting the log up to offset {}; applying the log from there",
                follower.name(), result.rows(), config.snapshotTopic(), applied.logOffset());
    }

    private void seekToStoredPosition() {
        long begin = consumer.beginningOffsets(List.of(partition)).get(partition);
        long next = applied == null ? begin : applied.logOffset() + 1;
        if (next < begin) {
            throw new ApplierException("follower '" + follower.name() + "' stopped at log offset " + applied.logOffset()
                    + ", but the log now starts at offset " + begin + " (retention removed what it has not applied);"
                    + " it cannot catch up. Rebuild it from the stream's snapshot: tailwater apply --rebuild --config ... --follower "
                    + follower.name(), applied.logOffset(), null);
        }
        consumer.seek(partition, next);
    }

    private void run() {
        try {
            if (loadFromSnapshot) {
                loadSnapshot();
            }
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    read(r);
                    if (promotedAt >= 0) {
                        break;
                    }
                    if (group.isReady() && group.rows() >= follower.maxGroupRows() && !flush()) {
                        break; // rewound to the stored position: the rest of this batch comes again
                    }
                }
                if (promotedAt >= 0) {
                    if (flush()) {
                        stopAsLeader();
                        return;
                    }
                    promotedAt = -1; // rewound to the stored position: the leader change comes again
                    continue;
                }
                boolean drained = records.count() < MAX_POLL_RECORDS;
                if (group.isReady() && (drained || group.ageNanos() >= follower.maxGroupDelay().toNanos())) {
                    flush();
                }
                OptionalLong lag = consumer.currentLag(partition);
                lagRecords = lag.orElse(lagRecords);
                state = lag.isPresent() && lag.getAsLong() == 0 && appliedOffset() >= loadedThrough
                        ? FollowerState.STREAMING : FollowerState.CATCHING_UP;
                if (positions.sinceLastNanos() > 1_000_000_000L) {
                    publish(null);
                }
            }
            state = FollowerState.STOPPED;
            publish(null);
        } catch (WakeupException e) {
            state = FollowerState.STOPPED;
            publish(null);
        } catch (ApplierException e) {
            fail(e);
        } catch (RuntimeException e) {
            fail(new ApplierException("applier of follower '" + follower.name() + "' stopped unexpectedly after log offset "
                    + (applied == null ? -1 : applied.logOffset()) + ": " + e, applied == null ? -1 : applied.logOffset(), e));
        } finally {
            closeClients();
            stopped.countDown();
        }
    }

    private void read(ConsumerRecord<byte[], byte[]> r) {
        LogEvent event;
        try {
            event = serde.deserialize(r.value());
        } catch (UndecodableRecordException e) {
            if (skipOffsets.contains(r.offset())) {
                skip(r.offset(), e.getMessage());
                return;
            }
            throw new ApplierException("follower '" + follower.name() + "' stopped at log offset " + r.offset() + " of '"
                    + config.logTopic() + "': the record cannot be decoded: " + e.getMessage()
                    + ". Nothing after it was applied; the follower stays at offset "
                    + (applied == null ? -1 : applied.logOffset()) + ". Inspect the record (it was not written by Tailwater capture);"
                    + " to go on without it, restart this applier with --skip-offset " + r.offset()
                    + " (recorded in the follower's table " + FollowerStore.SKIPPED_TABLE + ")", r.offset(), e);
        } catch (io.tailwater.schemas.registry.RegistryException e) {
            throw new ApplierException("follower '" + follower.name() + "' stopped at log offset " + r.offset()
                    + ": the schema registry could not be reached to decode it: " + e.getMessage()
                    + ". Nothing after it was applied; restart the applier once the registry is back", r.offset(), e);
        }
        switch (event) {
            case RowChange rc -> group.addToOpen(r.offset(), rc);
            case Truncate t -> group.addToOpen(r.offset(), t);
            case TransactionEnd t -> group.closeTransaction(new AppliedPosition(r.offset(), t.source().lsn(), t.txId(),
                    t.source().timestampMicros(), t.source().epoch(), LogHeaders.number(r.headers(), LogHeaders.LOG_BYTES),
                    t.source().gtid()));
            case Heartbeat h -> group.advanceIdle(new AppliedPosition(r.offset(), h.source().lsn(),
                    lastTxId(), h.source().timestampMicros(), h.source().epoch(), LogHeaders.number(r.headers(), LogHeaders.LOG_BYTES),
                    h.source().gtid()));
            case LeaderChange c -> {
                // No LSN: the new leader's LSNs are not comparable with the old one's, so an await of either waits for its transactions.
                group.advanceIdle(new AppliedPosition(r.offset(), -1, lastTxId(),
                        c.lastOldLeaderPosition().timestampMicros(), c.epoch(), LogHeaders.number(r.headers(), LogHeaders.LOG_BYTES), null));
                LOG.info("Follower '{}': the leader of stream '{}' is follower '{}' from log offset {} (epoch {})", follower.name(),
                        config.stream(), c.leader(), r.offset(), c.epoch());
                if (leaders.promotes(c, r.offset(), appliedOffset())) {
                    promotedAt = r.offset();
                }
            }
        }
    }

    /** Stops at the leader change that made this follower the leader: from here on, capture reads it. */
    private void stopAsLeader() {
        running = false;
        state = FollowerState.LEADER;
        publish(null);
        LOG.info("Follower '{}' is the leader of stream '{}' from log offset {}; its applier stopped", follower.name(), config.stream(),
                promotedAt);
    }

    /** Passes over an undecodable record at the operator's request, and records that in the follower. */
    private void skip(long offset, String reason) {
        try {
            store.recordSkip(offset, reason);
        } catch (SQLException e) {
            throw new ApplierException("cannot record the skip of log offset " + offset + " in follower '" + follower.name() + "': "
                    + e.getMessage() + "; nothing was skipped", offset, e);
        }
        metrics.skipped();
        LOG.warn("Follower '{}': skipped log offset {} of '{}' as the operator asked (--skip-offset): {}", follower.name(), offset,
                config.logTopic(), reason);
    }

    /** The last leader transaction read: heartbeats after it carry it on. */
    private String lastTxId() {
        AppliedPosition p = group.position() != null ? group.position() : applied;
        return p == null ? null : p.txId();
    }

    /**
     * Applies the group. Returns true once applied; false when the follower was briefly unavailable
     * and the consumer was rewound to the stored position (the group is then read again).
     */
    private boolean flush() {
        long backoff = 200;
        while (running) {
            try {
                long start = System.nanoTime();
                int diverged = store.apply(group.events(), group.position());
                applied = group.position();
                metrics.applied(group.rows(), group.transactions(), System.nanoTime() - start);
                metrics.diverged(diverged);
                if (!firstGroupLogged && group.rows() > 0) {
                    firstGroupLogged = true;
                    LOG.info("First changes applied to follower '{}', {} ms after the process started", follower.name(),
                            ProcessUptime.millis());
                }
                group.clearApplied();
                publish(null);
                return true;
            } catch (SQLException e) {
                SQLException unavailable = dialect.isTransient(e) ? e : unavailableElseRefused(e);
                metrics.retried();
                LOG.warn("Follower '{}' is unavailable ({}); retrying from its stored position in {} ms",
                        follower.name(), unavailable.getMessage(), backoff);
                sleep(backoff);
                backoff = Math.min(backoff * 2, 10_000);
                if (reconnect()) {
                    return false;
                }
            }
        }
        return false;
    }

    /** After a refused change, applies the whole leader transactions of the group that come before it, so the follower stops as late as it can. */
    /** The group failed with an error not of a transient kind: returns it when the follower is unavailable, else stops on the refusal. */
    private SQLException unavailableElseRefused(SQLException e) {
        ApplyFailure f;
        try {
            f = store.diagnose(group.events(), e);
        } catch (SQLException unavailable) {
            return unavailable;
        }
        applyTransactionsBefore(f.offset());
        throw new ApplierException(f.getMessage() + ". The follower stays at log offset "
                + (applied == null ? -1 : applied.logOffset()) + "; fix the follower table and restart the applier", f.offset(), f);
    }

    private void applyTransactionsBefore(long failedOffset) {
        List<io.tailwater.applier.jdbc.PositionedEvent> events = group.events();
        int index = 0;
        while (index < events.size() && events.get(index).offset() < failedOffset) {
            index++;
        }
        int good = group.eventsBefore(index);
        if (good == 0) {
            return;
        }
        try {
            AppliedPosition position = group.positionAfter(good);
            metrics.diverged(store.apply(events.subList(0, good), position));
            applied = position;
        } catch (SQLException e) {
            LOG.warn("Follower '{}' also refused the transactions before log offset {}: {}", follower.name(), failedOffset, e.getMessage());
        }
    }

    /** Reopens the follower and seeks back to its stored position. Returns false while it is still unreachable. */
    private boolean reconnect() {
        store.close();
        try {
            store = FollowerStore.open(follower, dialect, config.stream(), Duration.ZERO);
            applied = store.position().orElse(null);
        } catch (SQLException e) {
            return false;
        }
        group.reset();
        seekToStoredPosition();
        LOG.info("Follower '{}' is back; resuming at log offset {}", follower.name(), applied == null ? 0 : applied.logOffset() + 1);
        return true;
    }

    private double lagMillis() {
        AppliedPosition a = applied;
        return lagRecords == 0 || a == null ? 0 : Math.max(0, System.currentTimeMillis() - a.commitMicros() / 1000);
    }

    private void fail(ApplierException e) {
        metrics.failed();
        failure.compareAndSet(null, e);
        state = FollowerState.FAILED;
        LOG.error("{}", e.getMessage());
        publish(e.getMessage());
    }

    private void publish(String error) {
        if (positions == null) {
            return;
        }
        AppliedPosition a = applied;
        long consumed;
        try {
            consumed = group.isReady() || !group.events().isEmpty() ? (a == null ? 0 : a.logOffset() + 1) : consumer.position(partition);
        } catch (RuntimeException e) {
            consumed = a == null ? 0 : a.logOffset() + 1;
        }
        positions.publish(a, consumed, state, error);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Blocks until the applier stops; returns the error that stopped it, if any. */
    public Optional<Throwable> awaitTermination() throws InterruptedException {
        stopped.await();
        return Optional.ofNullable(failure.get());
    }

    /** Waits up to {@code timeout} for the applier to stop; true if it has. */
    public boolean awaitTerminationWithin(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure.get());
    }

    public FollowerState state() {
        return state;
    }

    /** The last log offset applied to the follower, or -1. */
    public long appliedOffset() {
        AppliedPosition a = applied;
        return a == null ? -1 : a.logOffset();
    }

    /** Log records between the applier's read position and the log end, as last seen; 0 when caught up, -1 before it knows. */
    public long lagRecords() {
        return lagRecords;
    }

    /** While the follower loads from the snapshot: rows loaded and rows in all ({@code -1} until known); else empty. */
    public Optional<long[]> loadProgress() {
        SnapshotLoad l = load;
        return l == null ? Optional.empty() : Optional.of(new long[] {l.loaded(), l.total()});
    }

    public ApplierMetrics metrics() {
        return metrics;
    }

    public String followerName() {
        return follower.name();
    }

    private void closeClients() {
        if (positions != null) {
            positions.close();
            positions = null;
        }
        if (consumer != null) {
            consumer.close(Duration.ofSeconds(2));
            consumer = null;
        }
        if (store != null) {
            store.close();
        }
    }

    @Override
    public void close() {
        running = false;
        if (thread != null) {
            try {
                thread.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            closeClients();
            stopped.countDown();
        }
        LOG.info("Applier of follower '{}' stopped at log offset {}", follower.name(), appliedOffset());
    }
}
