package io.tailwater.capture;

import io.tailwater.capture.postgres.PgOutputMessages;
import io.tailwater.capture.postgres.PgOutputMessages.Begin;
import io.tailwater.capture.postgres.PgOutputMessages.Commit;
import io.tailwater.capture.postgres.PgOutputMessages.LogicalMessage;
import io.tailwater.capture.postgres.PgOutputMessages.Message;
import io.tailwater.capture.postgres.PgOutputMessages.Relation;
import io.tailwater.capture.postgres.PgOutputMessages.Row;
import io.tailwater.capture.postgres.PgRelations;
import io.tailwater.capture.postgres.PgRelations.PgRelation;
import io.tailwater.config.LeaderConfig;
import io.tailwater.schemas.event.Heartbeat;
import io.tailwater.schemas.event.Op;
import io.tailwater.schemas.event.RowChange;
import io.tailwater.schemas.event.SourcePosition;
import io.tailwater.schemas.event.TransactionEnd;
import io.tailwater.schemas.event.Truncate;
import org.postgresql.PGConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Streams a PostgreSQL leader's changes into the log with Tailwater's own pgoutput reader, in
 * place of Debezium's streaming ({@code leader.decoder: tailwater}): it reads the stream's slot
 * from where the log ends, turns each message straight into log events (values through the same
 * {@code PgValueConverter} the snapshot uses, table schemas as Debezium gives them, see
 * {@link PgRelations}), and commits Kafka transactions only at leader transaction boundaries.
 * The slot is confirmed only up to what a committed Kafka transaction holds, so a crash repeats
 * nothing and loses nothing. Its heartbeats are the logical decoding messages Debezium's capture
 * writes, so the slot moves while the captured tables are quiet.
 *
 * <p>Lifecycle: {@link #start()} opens the replication stream and runs on its own thread;
 * {@link #close()} stops it; {@code onStop} hears why it stopped (null when closed).
 */
final class PgOutputCapture implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PgOutputCapture.class);
    private static final long MAX_KAFKA_TX_AGE_NANOS = 200_000_000L;
    /**
     * A read that took longer waited for the leader: pgjdbc's non-blocking read peeks the socket
     * for up to 1 ms when nothing is buffered, while what a backlog has buffered returns in
     * microseconds.
     */
    private static final long WAITED_NANOS = 200_000L;
    private static final String HEARTBEAT_PREFIX = "tailwater-heartbeat";
    /** How long the reader waits for the leader when it has sent nothing more: a bound on the latency it adds. */
    private static final long IDLE_WAIT_NANOS = 1_000_000L;
    /** SQLSTATE object_in_use: another walsender still holds the slot. */
    private static final String SLOT_IN_USE = "55006";
    private static final long SLOT_RETRY_NANOS = 50_000_000L;

    /** What one stream's capture reads and where it starts. */
    record Options(String stream, LeaderConfig primary, String slot, String publication, long startLsn, boolean synchronous,
                   List<String> tables, Duration timeout) {
    }

    private final Options options;
    private final LogTransactions log;
    private final Consumer<Throwable> onStop;
    private final Pattern captured;
    private final PgRelations relations;
    private final Thread thread;
    private final ScheduledExecutorService heartbeats;
    private volatile boolean running = true;
    private volatile Connection replication;
    private volatile RuntimeException handOver;
    private PGReplicationStream stream;

    // the leader transaction being read
    private boolean inTransaction;
    /** The reader waited for the leader since the last Kafka commit: the next leader transaction boundary commits. */
    private boolean caughtUp;
    private boolean skipping;
    private long xid = -1;
    private long commitMicros;
    private long rows;
    /** The WAL position everything read so far is complete up to: the last commit's end, or heartbeat message. */
    private long complete;
    private long confirmed;

    PgOutputCapture(Options options, LogTransactions log, Consumer<Throwable> onStop) {
        this.options = options;
        this.log = log;
        this.onStop = onStop;
        this.captured = Pattern.compile(String.join("|", options.tables().stream()
                .map(t -> "(?!.*\\." + LeaderChecks.OWN_TABLES + "$)(?:" + LeaderConfig.tablePattern(t) + ")").toList()));
        this.relations = new PgRelations(() -> LeaderChecks.connect(options.primary(), options.timeout()), options.stream());
        this.complete = options.startLsn();
        this.confirmed = options.startLsn();
        this.thread = new Thread(this::run, "tailwater-capture-" + options.stream());
        this.heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tailwater-heartbeat-" + options.stream());
            t.setDaemon(true);
            return t;
        });
    }

    /** Opens the replication stream at the start LSN, then reads it on a thread of its own. */
    void start() throws SQLException {
        long deadline = System.nanoTime() + options.timeout().toNanos();
        while (true) {
            try {
                open();
                break;
            } catch (SQLException e) {
                // The reader before this one (Debezium's, when it hands over) lets go of the slot when its walsender exits.
                if (!SLOT_IN_USE.equals(e.getSQLState()) || System.nanoTime() > deadline) {
                    throw e;
                }
                LockSupport.parkNanos(SLOT_RETRY_NANOS);
            }
        }
        long interval = options.synchronous() ? 250 : 1000;
        heartbeats.scheduleWithFixedDelay(this::heartbeat, interval, interval, TimeUnit.MILLISECONDS);
        thread.start();
        LOG.info("Capture of stream '{}' streams from LSN {} with Tailwater's own pgoutput reader", options.stream(),
                LogSequenceNumber.valueOf(options.startLsn()));
    }

    private void open() throws SQLException {
        Connection c = LeaderChecks.connectReplication(options.primary(), options.timeout(),
                options.synchronous() ? Capture.slotName(options.stream()) : LeaderChecks.APPLICATION_NAME);
        replication = c;
        try {
            var builder = c.unwrap(PGConnection.class).getReplicationAPI().replicationStream().logical()
                    .withSlotName(options.slot())
                    .withStartPosition(LogSequenceNumber.valueOf(options.startLsn()))
                    .withSlotOption("proto_version", "1")
                    .withSlotOption("publication_names", options.publication())
                    .withStatusInterval(1, TimeUnit.SECONDS);
            if (c.getMetaData().getDatabaseMajorVersion() >= 14) {
                builder.withSlotOption("messages", "true");
            }
            stream = builder.start();
        } catch (SQLException | RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
    }

    /**
     * Stops streaming at the next leader transaction boundary, committing what is complete, and
     * reports {@code reason} as the way it stopped: another capture (Debezium's) takes over.
     */
    void handOver(RuntimeException reason) {
        handOver = reason;
    }

    private void run() {
        Throwable failure = null;
        try {
            while (running) {
                long readStart = System.nanoTime();
                ByteBuffer data = stream.readPending();
                caughtUp |= System.nanoTime() - readStart > WAITED_NANOS;
                if (data == null) {
                    if (!inTransaction) {
                        // Caught up and nothing open: everything received is in the log or none of it is to be, so the slot
                        // may confirm all of it, keepalives' WAL end included (as PostgreSQL's own subscriber does); a leader
                        // shutting down then waits for no one.
                        long received = stream.getLastReceiveLSN().asLong();
                        boolean moved = received > complete;
                        complete = Math.max(complete, received);
                        commitAndConfirm(moved);
                        if (handOver != null) {
                            throw handOver;
                        }
                    }
                    LockSupport.parkNanos(IDLE_WAIT_NANOS);
                    continue;
                }
                handle(PgOutputMessages.decode(data), stream.getLastReceiveLSN().asLong());
                // Caught up, a Kafka commit at each leader transaction boundary keeps latency to about one commit's time,
                // though the leader sends the next transaction before the read finds nothing; behind, it batches.
                if (!inTransaction && log.open() && (caughtUp || log.openForNanos() > MAX_KAFKA_TX_AGE_NANOS)) {
                    commitAndConfirm(false);
                }
            }
        } catch (Throwable t) {
            failure = running ? t : null;
        } finally {
            log.abort();
            relations.close();
            heartbeats.shutdownNow();
            closeQuietly(replication);
            onStop.accept(failure);
        }
    }

    private void handle(Message message, long lsn) throws SQLException {
        switch (message) {
            case Begin b -> {
                inTransaction = true;
                // Already in the log: the start position is the end of the log's last transaction, and PostgreSQL sends from there.
                skipping = b.finalLsn() < options.startLsn();
                xid = b.xid();
                commitMicros = ChronoUnit.MICROS.between(Instant.EPOCH, b.commitTime());
                rows = 0;
            }
            case Relation r -> {
                PgRelation described = relations.describe(r);
                if (captured.matcher(described.table().id().qualified()).matches()) {
                    log.checkCompatible(described.table()); // once per table version, not per row
                }
            }
            case Row r -> {
                PgRelation table = table(r.oid());
                if (table == null || skipping) {
                    return;
                }
                Op op = switch (r.op()) {
                    case 'I' -> Op.CREATE;
                    case 'U' -> Op.UPDATE;
                    default -> Op.DELETE;
                };
                Object[] before = table.values(r.old());
                Object[] after = table.values(r.fresh());
                SourcePosition position = position(lsn);
                if (op == Op.UPDATE && before != null && !sameKey(table, before, after)) {
                    // A new key: a delete of the old row and an insert of the new one, as Debezium logs it.
                    write(new RowChange(table.table(), Op.DELETE, before, null, position));
                    write(new RowChange(table.table(), Op.CREATE, null, after, position));
                } else {
                    write(new RowChange(table.table(), op, before, after, position));
                }
            }
            case PgOutputMessages.Truncate t -> {
                if (skipping) {
                    return;
                }
                for (int oid : t.oids()) {
                    PgRelation table = table(oid);
                    if (table != null) {
                        log.write(new Truncate(table.table().id(), position(lsn)), table.table().id());
                        rows++;
                        log.metrics().rows(1);
                    }
                }
            }
            case Commit c -> {
                inTransaction = false;
                if (skipping) {
                    skipping = false;
                    return;
                }
                if (rows > 0) {
                    Map<String, Object> offset = new LinkedHashMap<>();
                    offset.put("lsn_proc", c.endLsn());
                    offset.put("lsn_commit", c.endLsn());
                    offset.put("lsn", c.endLsn());
                    offset.put("txId", xid);
                    offset.put("ts_usec", commitMicros);
                    String id = Long.toString(xid);
                    log.write(new TransactionEnd(id, new SourcePosition(log.epoch(), c.endLsn(), xid, commitMicros, false), rows,
                            log.offsetJson(offset)), null);
                    log.metrics().transactions(1);
                }
                complete = Math.max(complete, c.endLsn());
            }
            case LogicalMessage m -> {
                if (!m.transactional() && HEARTBEAT_PREFIX.equals(m.prefix()) && !inTransaction) {
                    // The log holds every leader commit read so far: this is where the leader stands now.
                    log.write(new Heartbeat(new SourcePosition(log.epoch(), m.lsn(), xid, System.currentTimeMillis() * 1000, false)), null);
                    complete = Math.max(complete, m.lsn());
                }
            }
            default -> {
                // type and origin messages: nothing to log
            }
        }
    }

    private void write(RowChange change) {
        log.write(change, change.table().id());
        rows++;
        log.metrics().rows(1);
    }

    /** Whether an update keeps the row's key. */
    private static boolean sameKey(PgRelation table, Object[] before, Object[] after) {
        int[] key = table.table().keyIndexes();
        for (int i : key) {
            if (!Objects.deepEquals(before[i], after[i])) {
                return false;
            }
        }
        return true;
    }

    /** The table of a relation id when the stream captures it, else null. */
    private PgRelation table(int oid) {
        PgRelation table = relations.get(oid);
        if (table == null) {
            throw new IllegalStateException("pgoutput sent a change of relation " + oid + " before describing it; capture stopped");
        }
        return captured.matcher(table.table().id().qualified()).matches() ? table : null;
    }

    private SourcePosition position(long lsn) {
        return new SourcePosition(log.epoch(), lsn, xid, commitMicros, false);
    }

    /** Commits what the log holds and confirms it to the slot, so the leader may recycle the WAL before it. */
    private void commitAndConfirm(boolean reportNow) throws SQLException {
        log.commit();
        caughtUp = false;
        if (complete > confirmed) {
            LogSequenceNumber lsn = LogSequenceNumber.valueOf(complete);
            stream.setFlushedLSN(lsn);
            stream.setAppliedLSN(lsn);
            confirmed = complete;
            if (options.synchronous() || reportNow) {
                stream.forceUpdateStatus(); // a synchronous standby: the leader's commit waits for this
            }
        }
    }

    private Connection heartbeatConnection;

    /** Writes a heartbeat message into the leader's WAL; what fails is tried again at the next beat. */
    private void heartbeat() {
        try {
            if (heartbeatConnection == null || heartbeatConnection.isClosed()) {
                heartbeatConnection = LeaderChecks.connect(options.primary(), options.timeout(), false);
            }
            try (Statement s = heartbeatConnection.createStatement()) {
                s.execute(DebeziumSettings.HEARTBEAT_ACTION_QUERY);
            }
        } catch (SQLException | RuntimeException e) {
            LOG.debug("Heartbeat of stream '{}' not written: {}", options.stream(), e.getMessage());
            closeQuietly(heartbeatConnection);
            heartbeatConnection = null;
        }
    }

    @Override
    public void close() {
        running = false;
        heartbeats.shutdownNow();
        closeQuietly(replication); // ends a blocked read
        if (thread.isAlive() && Thread.currentThread() != thread) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeQuietly(heartbeatConnection);
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
    }
}
