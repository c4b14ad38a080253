package io.tailwater.snapshot;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.tailwater.config.StreamConfig;
import io.tailwater.log.KafkaClients;
import io.tailwater.log.KafkaUnavailableException;
import io.tailwater.log.LogTopics;
import io.tailwater.schemas.registry.SchemaRegistryClient;
import io.tailwater.schemas.serde.LogRecordSerde;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Keeps {@code <stream>.snapshot}, the latest row of every key of the replication log, with a
 * Kafka Streams application ({@code processing.guarantee=exactly_once_v2}): its input offsets,
 * state stores and output commit together, so it can be killed at any moment and resumes exact.
 *
 * <p>Lifecycle: {@link #start()}, then {@link #awaitStop()} until {@link #close()} or a failure.
 */
public final class SnapshotCompactor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotCompactor.class);

    private final StreamConfig config;
    private final Path stateDir;
    private final MeterRegistry metrics;
    private final Duration startupTimeout;
    private final AtomicLong watermark = new AtomicLong(-1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private KafkaStreams streams;

    public SnapshotCompactor(StreamConfig config, Path stateDir, Duration startupTimeout, MeterRegistry metrics) {
        this.config = config;
        this.stateDir = stateDir;
        this.startupTimeout = startupTimeout;
        this.metrics = metrics;
    }

    /**
     * Creates the snapshot topic when missing, waits for the log, checks that the snapshot can
     * be exact from it, and starts the application.
     */
    public void start() throws InterruptedException {
        short replicationFactor = LogTopics.ensureSnapshot(config, startupTimeout);
        startFromLogStart();
        LogRecordSerde serde = new LogRecordSerde(new SchemaRegistryClient(config.registry()));
        Topology topology = new Topology();
        topology.addSource("log", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(), config.logTopic());
        topology.addProcessor("snapshot", () -> new SnapshotProcessor(serde, config.logTopic(), watermark::set), "log");
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SnapshotProcessor.ROWS),
                Serdes.String(), Serdes.ByteArray()), "snapshot");
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(SnapshotProcessor.PENDING),
                Serdes.Long(), Serdes.ByteArray()), "snapshot");
        topology.addSink("out", config.snapshotTopic(), Serdes.String().serializer(), Serdes.ByteArray().serializer(), "snapshot");

        streams = new KafkaStreams(topology, properties(replicationFactor));
        streams.setStateListener((now, before) -> LOG.info("Snapshot of stream '{}': {} (was {})", config.stream(), now, before));
        streams.setUncaughtExceptionHandler(e -> {
            failure.compareAndSet(null, rootMessage(e));
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        new KafkaStreamsMetrics(streams).bindTo(metrics);
        Gauge.builder("tailwater.compact.watermark.offset", watermark, AtomicLong::get)
                .description("The log offset up to which the snapshot reflects every leader transaction")
                .tags("stream", config.stream()).register(metrics);
        streams.start();
        LOG.info("Snapshot of stream '{}': keeping '{}' from '{}' (state in {})", config.stream(), config.snapshotTopic(),
                config.logTopic(), stateDir);
    }

    /**
     * The snapshot must take every log record: on its first start the log must begin at offset 0,
     * where its application's position is set; later, retention must not have removed records it
     * has not taken. Its consumer resets to no offset ({@code auto.offset.reset=none}), so it
     * stops rather than jump over records lost while it runs.
     */
    private void startFromLogStart() throws InterruptedException {
        TopicPartition log = new TopicPartition(config.logTopic(), 0);
        try (Admin admin = KafkaClients.admin(config, "tailwater-compact-" + config.stream() + "-admin")) {
            boolean waiting = false;
            while (!admin.listTopics().names().get(startupTimeout.toMillis(), TimeUnit.MILLISECONDS).contains(config.logTopic())) {
                if (!waiting) {
                    LOG.info("Snapshot of stream '{}': waiting for capture to create '{}'", config.stream(), config.logTopic());
                    waiting = true;
                }
                Thread.sleep(500);
            }
            long begin = admin.listOffsets(Map.of(log, OffsetSpec.earliest())).partitionResult(log)
                    .get(startupTimeout.toMillis(), TimeUnit.MILLISECONDS).offset();
            OffsetAndMetadata taken = admin.listConsumerGroupOffsets(config.snapshotApplicationId()).partitionsToOffsetAndMetadata()
                    .get(startupTimeout.toMillis(), TimeUnit.MILLISECONDS).get(log);
            if (taken == null && begin > 0) {
                throw new IllegalStateException("the log '" + config.logTopic() + "' starts at offset " + begin
                        + " (retention removed what came before), so a snapshot begun now would lack those rows. A snapshot must be"
                        + " started while the log is whole: set topics.log-retention unlimited, take a new initial snapshot of the"
                        + " leader into a new stream, and start 'tailwater compact' with it");
            }
            if (taken != null && taken.offset() < begin) {
                throw new IllegalStateException("retention removed log records the snapshot had not taken: it took '" + config.logTopic()
                        + "' up to offset " + taken.offset() + ", and the log now starts at " + begin + "; the snapshot cannot be"
                        + " exact any more. Give topics.log-retention more time than 'tailwater compact' may be down, and build the"
                        + " stream's snapshot again from a new initial snapshot of the leader");
            }
            if (taken == null) {
                admin.alterConsumerGroupOffsets(config.snapshotApplicationId(), Map.of(log, new OffsetAndMetadata(0)))
                        .all().get(startupTimeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new KafkaUnavailableException("cannot read the positions of '" + config.logTopic() + "' on Kafka at "
                    + config.kafka().get("bootstrap.servers") + ": " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
        }
    }

    private Properties properties(short replicationFactor) {
        Properties p = config.kafkaProperties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.snapshotApplicationId());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) replicationFactor);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
        // A leader transaction goes out whole in one Kafka transaction: give big ones time.
        p.put(StreamsConfig.producerPrefix("transaction.timeout.ms"), 60_000);
        p.put(StreamsConfig.producerPrefix("max.request.size"), 16 * 1024 * 1024);
        p.put(StreamsConfig.consumerPrefix("max.poll.interval.ms"), 600_000);
        p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "none");
        // One process per stream: a static member, so a restart (after a crash, say) takes over at once, without
        // waiting out the dead member's session, and a second process of the same stream is fenced.
        p.put(StreamsConfig.consumerPrefix("group.instance.id"), config.snapshotApplicationId());
        return p;
    }

    /** The log offset the snapshot reflects, as far as this process has taken it; -1 before its first transaction end. */
    public long watermark() {
        return watermark.get();
    }

    /** Whether the application is processing (after its state is restored). */
    public boolean isRunning() {
        return streams != null && streams.state() == KafkaStreams.State.RUNNING;
    }

    /** Waits until the application stops; returns why, when it failed. */
    public Optional<Throwable> awaitStop() throws InterruptedException {
        while (!stopped.await(200, TimeUnit.MILLISECONDS)) {
            KafkaStreams.State state = streams.state();
            if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.NOT_RUNNING) {
                break;
            }
        }
        return Optional.ofNullable(failure.get());
    }

    @Override
    public void close() {
        if (streams != null) {
            streams.close(Duration.ofSeconds(30));
        }
        stopped.countDown();
    }

    private Throwable rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && !(t instanceof IllegalStateException) && t != t.getCause()) {
            t = t.getCause();
        }
        return new IllegalStateException("the snapshot of stream '" + config.stream() + "' stopped: " + t.getMessage()
                + ". Nothing past the last watermark was taken; correct the cause and start 'tailwater compact' again", e);
    }
}
