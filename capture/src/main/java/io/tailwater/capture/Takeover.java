package io.tailwater.capture;

import io.tailwater.config.FollowerConfig;
import io.tailwater.config.LeaderConfig;
import io.tailwater.config.StreamConfig;
import io.tailwater.log.KafkaClients;
import io.tailwater.log.KafkaUnavailableException;
import io.tailwater.log.LogTail;
import io.tailwater.schemas.event.LeaderChange;
import io.tailwater.schemas.event.LogHeaders;
import io.tailwater.schemas.event.Lsn;
import io.tailwater.schemas.registry.SchemaRegistryClient;
import io.tailwater.schemas.serde.LogRecordSerde;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

/**
 * Capture's side of a promote: holds the stream's transactional id, so no capture of the old
 * leader writes to the log any more; readies the new leader (its publication and slot, made
 * before the leader change is written, so every write after it is captured); and writes the
 * {@link LeaderChange}. Only the holder of the transactional id can commit it, and a later holder
 * fences an earlier one: the log is the compare-and-set that admits one new leader per epoch.
 *
 * <p>Lifecycle: {@link #fence} takes the id and reads the log's end; {@link #prepare} and
 * {@link #commit} follow; {@link #close} lets go.
 */
public final class Takeover implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final StreamConfig config;
    private final KafkaProducer<byte[], byte[]> producer;
    private final LogRecordSerde serde;
    private final LogTail tail;

    private Takeover(StreamConfig config, KafkaProducer<byte[], byte[]> producer, LogRecordSerde serde, LogTail tail) {
        this.config = config;
        this.producer = producer;
        this.serde = serde;
        this.tail = tail;
    }

    /**
     * Checks, changing nothing, that {@code candidate} can lead the stream: as capture checks a
     * leader at start ({@code wal_level}, replication rights, keys of every table).
     */
    public static void check(StreamConfig config, FollowerConfig candidate, Duration timeout) {
        candidateTables(config, candidate, timeout);
    }

    /** The tables {@code candidate} would be captured with, after capture's leader checks on it. */
    private static List<LeaderChecks.LeaderTable> candidateTables(StreamConfig config, FollowerConfig candidate, Duration timeout) {
        try {
            return LeaderChecks.checkedTables(config.leader().on(candidate), timeout);
        } catch (LeaderNotReadyException e) {
            throw new LeaderNotReadyException("follower '" + candidate.name() + "' cannot become the leader of stream '"
                    + config.stream() + "': " + e.getMessage().replace("the leader", "the follower"), e);
        }
    }

    /** Whether the log's initial snapshot is complete: a new leader starts after it, so a partial one would stay partial. */
    public static boolean snapshotComplete(LogTail tail) {
        return tail.leader().epoch() > 0 || ResumePoint.of(tail).map(r -> !r.isInterruptedSnapshot()).orElse(false);
    }

    /** Takes the stream's transactional id (fencing any capture) and reads the log to its end. */
    public static Takeover fence(StreamConfig config, Duration timeout) {
        KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(config, "tailwater-promote-" + config.stream(),
                Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout.toMillis(), ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000),
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, Capture.transactionalId(config.stream()),
                        ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true));
        try {
            producer.initTransactions();
        } catch (KafkaException e) {
            producer.close(Duration.ZERO);
            throw new KafkaUnavailableException("cannot take over the transactional id of stream '" + config.stream()
                    + "' on Kafka at " + config.kafka().get("bootstrap.servers") + ": " + e.getMessage(), e);
        }
        LogRecordSerde serde = new LogRecordSerde(new SchemaRegistryClient(config.registry()));
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.consumer(config, "tailwater-promote-" + config.stream(), Map.of())) {
            return new Takeover(config, producer, serde, LogTail.read(consumer, config, serde, timeout));
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
    }

    /** The end of the log as it was once the id was taken: nothing has been written since. */
    public LogTail tail() {
        return tail;
    }

    /**
     * A new leader readied by {@link #prepare}.
     *
     * @param slot the replication slot made for it, this promote's alone
     * @param startOffset the source offset capture on it starts from: the slot's start
     */
    public record Prepared(String slot, String startOffset) {
    }

    /**
     * Readies {@code follower} to be captured from now on, as the leader of {@code epoch}: its
     * publication of the stream's tables (as they are now: a follower makes a table when its
     * first row arrives, so only once it has applied the whole log does it hold them all) and a
     * replication slot of this promote's own. Slots left on it by promotes of earlier epochs are
     * dropped; a promote racing this one for the same epoch makes a slot of another name, which
     * this one never touches.
     */
    public Prepared prepare(FollowerConfig follower, int epoch, Duration timeout) {
        List<LeaderChecks.LeaderTable> tables = candidateTables(config, follower, timeout);
        LeaderConfig leader = config.leader().on(follower);
        String prefix = slotPrefix(config.stream());
        String slot = prefix + epoch + "_" + HexFormat.of().toHexDigits(RANDOM.nextInt());
        String publication = Capture.slotName(config.stream());
        try (Connection c = LeaderChecks.connect(leader, timeout)) {
            dropEarlierSlots(c, prefix, epoch);
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
                ps.setString(1, publication);
                try (ResultSet rs = ps.executeQuery(); Statement s = c.createStatement()) {
                    String list = tables.stream().map(LeaderChecks.LeaderTable::quoted).collect(Collectors.joining(", "));
                    s.execute((rs.next() ? "ALTER PUBLICATION " + LeaderChecks.quote(publication) + " SET TABLE "
                            : "CREATE PUBLICATION " + LeaderChecks.quote(publication) + " FOR TABLE ") + list);
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT lsn::text FROM pg_create_logical_replication_slot(?, 'pgoutput')")) {
                ps.setString(1, slot);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    long lsn = Lsn.parse(rs.getString(1));
                    long micros = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
                    return new Prepared(slot, "{\"lsn\":" + lsn + ",\"ts_usec\":" + micros + ",\"snapshot_completed\":true}");
                }
            }
        } catch (SQLException e) {
            throw new LeaderNotReadyException("cannot ready follower '" + follower.name() + "' to be captured (publication '" + publication
                    + "', slot '" + slot + "'): " + e.getMessage(), e);
        }
    }

    /** Drops the slot {@link #prepare} made: a promote that did not complete leaves nothing behind. */
    public void unprepare(FollowerConfig follower, Prepared prepared, Duration timeout) {
        LeaderChecks.dropSlot(config.leader().on(follower), prepared.slot(), timeout);
    }

    /**
     * The start of the slot names of a stream's promoted leaders, {@code tailwater_<stream>_e}:
     * the epoch and a random part follow. Cut so that a whole name fits PostgreSQL's 63 bytes.
     */
    private static String slotPrefix(String stream) {
        String base = Capture.slotName(stream);
        return base.substring(0, Math.min(base.length(), 63 - "_e".length() - 10 - 1 - 8)) + "_e";
    }

    /** Drops the inactive slots of this stream's earlier epochs in the connected database. */
    private static void dropEarlierSlots(Connection c, String prefix, int epoch) throws SQLException {
        List<String> stale = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT slot_name FROM pg_replication_slots WHERE database = current_database()"
                + " AND NOT active AND starts_with(slot_name::text, ?)")) {
            ps.setString(1, prefix);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String rest = rs.getString(1).substring(prefix.length());
                    int underscore = rest.indexOf('_');
                    if (underscore > 0 && rest.substring(0, underscore).matches("\\d{1,10}")
                            && Long.parseLong(rest.substring(0, underscore)) < epoch) {
                        stale.add(rs.getString(1));
                    }
                }
            }
        }
        for (String slot : stale) {
            try (PreparedStatement drop = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
                drop.setString(1, slot);
                drop.execute();
            }
        }
    }

    /**
     * Writes {@code change} into the log in a transaction of its own; returns its offset.
     *
     * @throws KafkaException when the id was taken over meanwhile (another promote): nothing was written
     */
    public long commit(LeaderChange change) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(new RecordHeader(LogHeaders.KIND, change.kind().headerBytes()));
        headers.add(new RecordHeader(LogHeaders.LOG_BYTES, Long.toString(tail.logBytes()).getBytes(StandardCharsets.US_ASCII)));
        producer.beginTransaction();
        try {
            long offset = producer.send(new ProducerRecord<>(config.logTopic(), 0, null, null, serde.serialize(config.logTopic(), change),
                    headers)).get().offset();
            producer.commitTransaction();
            return offset;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while writing the leader change", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof KafkaException k ? k : new KafkaException(e.getCause());
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
