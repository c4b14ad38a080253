package io.tailwater.capture;

import io.debezium.connector.mariadb.MariaDbConnector;
import io.debezium.connector.mariadb.MariaDbConnectorConfig;
import io.debezium.connector.postgresql.PostgresConnector;
import io.debezium.connector.postgresql.PostgresConnectorConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tailwater.capture.mariadb.MariaDbEnumOptions;
import io.tailwater.capture.mariadb.MariaDbLeaderChecks;
import io.tailwater.capture.mariadb.MariaDbSettings;
import io.tailwater.capture.mariadb.MariaDbSnapshotSelects;
import io.tailwater.capture.mariadb.MariaDbSourceFormat;
import io.tailwater.config.LeaderConfig;
import io.tailwater.config.LeaderKind;
import io.tailwater.config.StreamConfig;
import io.tailwater.config.StreamingDecoder;
import io.tailwater.capture.postgres.PgTypeCatalog;
import io.tailwater.log.KafkaClients;
import io.tailwater.log.KafkaUnavailableException;
import io.tailwater.log.LogTail;
import io.tailwater.log.LogTopics;
import io.tailwater.log.StreamLeader;
import io.tailwater.log.StartupTask;
import io.tailwater.schemas.TableId;
import io.tailwater.schemas.event.LeaderChange;
import io.tailwater.schemas.registry.SchemaRegistryClient;
import io.tailwater.schemas.serde.LogRecordSerde;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The capture process of one stream: tails the leader's change log and writes it into
 * {@code <stream>.log}. A PostgreSQL leader's write-ahead log streams through Tailwater's own
 * pgoutput reader ({@link PgOutputCapture}); Debezium's embedded engine takes the snapshots
 * (the initial one, and those of tables that join later) and hands over to the own reader once
 * they are in the log, or streams throughout with {@code leader.decoder: debezium}. A MariaDB
 * leader's binlog is read by Debezium.
 *
 * <p>Lifecycle: {@link #start()} checks the leader, creates missing topics, takes over the
 * stream's fixed transactional id (fencing any earlier capture), finds the resume point in the
 * log and starts reading; {@link #close()} stops it. An empty log starts with the initial
 * snapshot.
 */
public final class Capture implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Capture.class);
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);

    /** The stream's config; its leader section becomes the promoted follower's once the log names one (see {@link #start}). */
    private StreamConfig config;
    private final CaptureMetrics metrics;
    private volatile KafkaClientMetrics clientMetrics;
    private final MeterRegistry meterRegistry;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Duration startupTimeout;
    private KafkaProducer<byte[], byte[]> producer;
    private LogRecordSerde serde;
    /** A PostgreSQL leader's readers (see {@link PgReaders}). */
    private volatile PgReaders pgReaders;
    /** A MariaDB leader's reader, and the writer it feeds. */
    private volatile DebeziumReader mariaDbReader;
    private LogWriter writer;
    /** New tables between joining the publication and their snapshot (shared by the watch, the writer and Debezium's notifications). */
    private final JoiningTables joining = new JoiningTables();
    private volatile boolean closing;

    public Capture(StreamConfig config) {
        this(config, STARTUP_TIMEOUT);
    }

    public Capture(StreamConfig config, Duration startupTimeout) {
        this(config, startupTimeout, new SimpleMeterRegistry());
    }

    /** A capture whose metrics (and its Kafka producer's) go to {@code registry}. */
    public Capture(StreamConfig config, Duration startupTimeout, MeterRegistry registry) {
        this.config = config;
        this.startupTimeout = startupTimeout;
        this.meterRegistry = registry;
        this.metrics = new CaptureMetrics(registry, config.stream());
    }

    public void start() {
        // Side by side with the leader checks: what has no side effects (see StartupTask).
        StartupTask<SchemaRegistryClient> registryTask = StartupTask.fork("registry", () -> {
            SchemaRegistryClient client = new SchemaRegistryClient(config.registry());
            client.checkReachable();
            return client;
        });
        StartupTask<KafkaProducer<byte[], byte[]>> producerTask = StartupTask.fork("producer", this::newProducer);
        boolean mariaDb = config.leader().kind() == LeaderKind.MARIADB;
        if (mariaDb) {
            StartupTask.fork("debezium", Capture::loadMariaDb);
        } else if (config.leader().decoder() == StreamingDecoder.DEBEZIUM) {
            // With the own reader, Debezium runs only for a snapshot: a restart, the common start, does not load it at all.
            StartupTask.fork("debezium", Capture::loadDebezium);
        }
        // The configured leader is checked while Kafka is: it leads unless the log names a promoted follower.
        StreamConfig configured = config;
        StartupTask<List<String>> configuredCheck = StartupTask.fork("leader", () -> mariaDb
                ? MariaDbLeaderChecks.check(configured.leader(), startupTimeout) : LeaderChecks.check(configured.leader(), startupTimeout));
        SchemaRegistryClient registry;
        try {
            LogTopics.ensure(config, startupTimeout);
            registry = registryTask.join();
            producer = producerTask.join();
        } catch (RuntimeException e) {
            producerTask.discard(p -> p.close(Duration.ZERO));
            throw alsoLeader(e, configuredCheck);
        }
        serde = new LogRecordSerde(registry);
        clientMetrics = new KafkaClientMetrics(producer);
        clientMetrics.bindTo(meterRegistry);
        try {
            producer.initTransactions(); // fences any earlier capture of this stream and aborts its open transaction
        } catch (KafkaException e) {
            producer.close(Duration.ZERO);
            throw new KafkaUnavailableException("cannot take over the transactional id of stream '" + config.stream()
                    + "' on Kafka at " + config.kafka().get("bootstrap.servers") + ": " + e.getMessage(), e);
        }

        LogTail tail = readTail();
        StreamLeader leader = tail.leader();
        if (mariaDb) {
            startMariaDb(tail, serde, configuredCheck);
            return;
        }
        if (leader.follower().isPresent()) {
            // The log names the leader: after a promote, the follower it chose, whatever the config's leader section says.
            config = config.withLeader(leader.database(config));
            LOG.info("Stream '{}' is led by {}, since log offset {}", config.stream(), leader.describe(), leader.changeOffset());
        }
        String slot = slotName(config.stream(), leader);
        try {
            List<String> tables = leader.follower().isPresent() ? LeaderChecks.check(config.leader(), startupTimeout) : configuredCheck.join();
            LeaderPrimary primary = LeaderPrimary.find(config.leader(), startupTimeout);
            PgTypeCatalog.register(config.stream(), () -> LeaderChecks.connect(config.leader(), startupTimeout));
            LOG.info("Leader checked: {} table(s) match for stream '{}'; capturing from {}", tables.size(), config.stream(), primary);

            Optional<ResumePoint> resume = ResumePoint.of(tail);
            resume.ifPresentOrElse(
                    p -> LOG.info("Resuming capture of stream '{}' after {} (LSN {})", config.stream(),
                            p.leaderChange() ? "the leader change to " + leader.describe()
                                    : p.end().source().snapshot() ? "a chunk of the initial snapshot" : "leader transaction " + p.end().txId(),
                            p.end().source().lsn()),
                    () -> LOG.info("The log of stream '{}' is empty: starting with the initial snapshot", config.stream()));

            SnapshotNotifications.register(config.stream(), joining);
            LeaderTimeline origin = LeaderTimeline.read(config.leader().withJdbcUrl(primary.url(config.leader().jdbcUrl())), startupTimeout);
            LogTransactions log = new LogTransactions(producer, serde, config.stream(), metrics,
                    resume.map(ResumePoint::logBytes).orElse(0L), leader, origin);
            PgReaders readers = new PgReaders(new PgReaders.Options(config, slot, primary, origin, leader, log, joining, startupTimeout,
                    this::readTail), tables, this::stopped);
            pgReaders = readers;
            readers.start(resume);
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
        LOG.info("Capture of stream '{}' started", config.stream());
    }

    /** Reads where the stream's log ends. */
    private LogTail readTail() {
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.consumer(config, "tailwater-capture-" + config.stream() + "-resume",
                Map.of())) {
            return LogTail.read(consumer, config, serde, startupTimeout);
        }
    }

    /**
     * The rest of {@link #start} for a MariaDB leader: it resumes from the binlog position of
     * the log's last transaction end, or takes the initial snapshot (see {@link BinlogResumeCheck}).
     * Tables created later that match {@code leader.tables} are captured from their CREATE TABLE
     * on, which the binlog carries.
     */
    private void startMariaDb(LogTail tail, LogRecordSerde serde, StartupTask<List<String>> check) {
        String resumeOffset;
        Map<String, String> snapshotSelects;
        try {
            List<String> tables = check.join();
            LOG.info("Leader checked: {} table(s) match for stream '{}'; capturing from the MariaDB leader at {}", tables.size(),
                    config.stream(), LeaderConnections.hostPart(config.leader().jdbcUrl()));
            Optional<ResumePoint> resume = ResumePoint.of(tail);
            resume.ifPresentOrElse(
                    p -> LOG.info("Resuming capture of stream '{}' after {} (GTID position {})", config.stream(),
                            p.end().source().snapshot() ? "a chunk of the initial snapshot" : "leader transaction " + p.end().txId(),
                            p.end().source().gtid()),
                    () -> LOG.info("The log of stream '{}' is empty: starting with the initial snapshot", config.stream()));
            writer = new LogWriter(new LogTransactions(producer, serde, config.stream(), metrics,
                    resume.map(ResumePoint::logBytes).orElse(0L), tail.leader(), null), config.stream(), joining, new MariaDbSourceFormat());
            resumeOffset = new BinlogResumeCheck(config, startupTimeout).resumeOffset(resume, tables, writer);
            snapshotSelects = resumeOffset == null ? MariaDbSnapshotSelects.of(config.leader(), tables, startupTimeout) : Map.of();
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
        MariaDbEnumOptions.register(config.stream(), () -> MariaDbLeaderChecks.connect(config.leader(), startupTimeout));
        mariaDbReader = DebeziumReader.start(config.stream(), MariaDbSettings.of(config, resumeOffset, snapshotSelects), writer,
                this::stopped);
        LOG.info("Capture of stream '{}' started", config.stream());
    }

    /** Records why capture stopped ({@code error}, or {@code message} without one) and wakes those who wait for it. */
    private void stopped(boolean success, String message, Throwable error) {
        if (!success && !closing) {
            Throwable cause = error != null ? rootCause(error) : new IllegalStateException(message);
            if (cause instanceof ProducerFencedException || cause instanceof InvalidProducerEpochException) {
                cause = new CaptureFencedException("capture of stream '" + config.stream() + "' was fenced: another capture"
                        + " process of the same stream took over (transactional id '" + transactionalId(config.stream())
                        + "'); this one stopped without writing anything more", cause);
            }
            if (!(cause instanceof CaptureFencedException)) {
                cause = new IllegalStateException("capture of stream '" + config.stream() + "' stopped: "
                        + deepestMessage(error != null ? error : cause), cause);
            }
            failure.compareAndSet(null, cause);
            LOG.error("{}", cause.getMessage());
        }
        stopped.countDown();
    }

    /**
     * A Kafka failure at start, naming the configured leader's problem too when its check failed:
     * an operator then fixes both at once.
     */
    private RuntimeException alsoLeader(RuntimeException kafka, StartupTask<List<String>> configuredCheck) {
        try {
            configuredCheck.join();
            return kafka;
        } catch (LeaderNotReadyException leader) {
            return new LeaderNotReadyException(leader.getMessage() + "; and " + kafka.getMessage(), kafka);
        } catch (RuntimeException other) {
            return kafka;
        }
    }

    /**
     * The stream's transactional producer. A retry backoff of 1 ms (not 100): before transaction
     * version 2 the first send of a Kafka transaction is refused while the previous one's markers
     * are still being written, and capture caught up with the leader commits every few
     * milliseconds (a loop of small transactions commits at p50 3 ms with 1 ms, 7 ms with 5 ms).
     */
    private KafkaProducer<byte[], byte[]> newProducer() {
        return KafkaClients.producer(config, "tailwater-capture-" + config.stream(),
                Map.of(ProducerConfig.LINGER_MS_CONFIG, 2, ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024,
                        ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000, ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 1,
                        ProducerConfig.MAX_BLOCK_MS_CONFIG, startupTimeout.toMillis()),
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId(config.stream()),
                        ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true));
    }

    /**
     * Loads and initialises the classes Debezium's PostgreSQL connector starts with (its config
     * definitions are large), so the engine finds them ready.
     */
    private static Void loadDebezium() {
        Objects.requireNonNull(PostgresConnectorConfig.ALL_FIELDS);
        new PostgresConnector().config();
        return null;
    }

    /** Loads and initialises the classes Debezium's MariaDB connector starts with. */
    private static Void loadMariaDb() {
        Objects.requireNonNull(MariaDbConnectorConfig.ALL_FIELDS);
        new MariaDbConnector().config();
        return null;
    }

    /** The replication slot (and publication) of a stream on its configured leader. */
    public static String slotName(String stream) {
        return "tailwater_" + stream.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    }

    /**
     * The replication slot capture reads on a stream's current leader: the configured leader's
     * ({@link #slotName(String)}), or the one the promote that made a follower the leader made
     * for it, named in its leader change (slots are per cluster, and a follower may share one
     * with another database of the stream).
     */
    public static String slotName(String stream, StreamLeader leader) {
        return leader.change().map(LeaderChange::slot).orElseGet(() -> slotName(stream));
    }

    /** The leader tables a stream's {@code leader.tables} matches now (Tailwater's own tables never do). */
    public static List<TableId> tables(LeaderConfig leader, Duration timeout) {
        if (leader.kind() == LeaderKind.MARIADB) {
            try (Connection c = MariaDbLeaderChecks.connect(leader, timeout)) {
                return MariaDbLeaderChecks.matchingTables(c, leader).stream().map(TableId::parse).toList();
            } catch (SQLException e) {
                throw new LeaderNotReadyException("cannot list the leader's tables: " + e.getMessage(), e);
            }
        }
        try (Connection c = LeaderChecks.connect(leader, timeout)) {
            return LeaderChecks.matchingTables(c, leader).stream().map(t -> new TableId(t.schema(), t.table())).toList();
        } catch (SQLException e) {
            throw new LeaderNotReadyException("cannot list the leader's tables: " + e.getMessage(), e);
        }
    }

    public static String transactionalId(String stream) {
        return "tailwater-capture-" + stream;
    }

    /** Blocks until capture stops; returns the error that stopped it, if any. */
    public Optional<Throwable> awaitTermination() throws InterruptedException {
        stopped.await();
        return Optional.ofNullable(failure.get());
    }

    /** Waits up to {@code timeout} for capture to stop; true if it has. */
    public boolean awaitTerminationWithin(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure.get());
    }

    /** What reads the leader's changes now: Tailwater's own pgoutput reader, or Debezium (also for a MariaDB leader). */
    public StreamingDecoder decoder() {
        PgReaders readers = pgReaders;
        return readers != null ? readers.decoder() : StreamingDecoder.DEBEZIUM;
    }

    public CaptureMetrics metrics() {
        return metrics;
    }

    @Override
    public void close() {
        closing = true;
        if (clientMetrics != null) {
            clientMetrics.close(); // its meters and refresh thread: a supervisor starts captures again and again
        }
        if (pgReaders != null) {
            pgReaders.close();
        }
        if (mariaDbReader != null) {
            mariaDbReader.close();
        }
        if (writer != null) {
            writer.abort();
        }
        SnapshotNotifications.unregister(config.stream(), joining);
        if (producer != null) {
            try {
                producer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.debug("Producer of stream '{}' did not close cleanly: {}", config.stream(), e.toString());
            }
        }
        PgTypeCatalog.unregister(config.stream());
        MariaDbEnumOptions.unregister(config.stream());
        stopped.countDown();
        LOG.info("Capture of stream '{}' stopped", config.stream());
    }


    /** The message of the innermost cause that has one: Debezium wraps the reason several times. */
    private static String deepestMessage(Throwable t) {
        String message = t.toString();
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c.getMessage() != null) {
                message = c.getMessage();
            }
        }
        return message;
    }

    private static Throwable rootCause(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c instanceof ProducerFencedException || c instanceof InvalidProducerEpochException || t.getCause() == null ? c : t;
    }
}
