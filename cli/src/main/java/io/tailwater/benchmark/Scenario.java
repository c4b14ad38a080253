package io.tailwater.benchmark;

import io.tailwater.applier.Applier;
import io.tailwater.capture.Capture;
import io.tailwater.config.ConfigLoader;
import io.tailwater.config.StreamConfig;
import io.tailwater.embedded.EmbeddedStreamConfig;
import io.tailwater.embedded.PostgresServer;
import io.tailwater.log.KafkaClients;
import io.tailwater.verify.Verifier;
import io.tailwater.schemas.TableId;
import io.tailwater.schemas.event.LogEvent;
import io.tailwater.schemas.event.LogHeaders;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One benchmark stream on new databases: a leader database with the table, a Tailwater stream
 * with four followers (a PostgreSQL database, SQLite, DuckDB and H2 files), a native
 * subscription into another PostgreSQL database (made disabled), and with fresh processes a
 * second stream on the same leader table with its own slot, log and PostgreSQL database.
 */
final class Scenario implements AutoCloseable {
    /** The stream's followers, by name, with the label the report gives them. */
    static final Map<String, String> FOLLOWERS = followerLabels();

    final String db;
    final String followerDb;
    final String nativeDb;
    final String freshFollowerDb;
    final StreamConfig config;
    /** With fresh processes: the second stream, and its config file for {@code ./tailwater}. */
    final StreamConfig freshConfig;
    final Path freshConfigFile;
    private final BenchmarkServers servers;
    private final String subscription;
    private final List<AutoCloseable> running = new ArrayList<>();

    Scenario(BenchmarkServers servers, String name, boolean fresh) throws Exception {
        this.servers = servers;
        this.db = name;
        this.followerDb = name + "_tailwater";
        this.nativeDb = name + "_native";
        this.freshFollowerDb = name + "_fresh";
        this.subscription = name + "_sub";
        PostgresServer leader = servers.leader();
        PostgresServer follower = servers.follower();
        String leaderUrl = leader.createDatabase(db);
        follower.createDatabase(followerDb);
        follower.createDatabase(nativeDb);
        try (Connection c = leader.connect(db); Statement st = c.createStatement()) {
            st.execute(BacklogWriter.CREATE);
            st.execute("CREATE PUBLICATION " + name + "_pub FOR TABLE items");
        }
        try (Connection c = follower.connect(nativeDb); Statement st = c.createStatement()) {
            st.execute(BacklogWriter.CREATE);
            st.execute("CREATE SUBSCRIPTION " + subscription + " CONNECTION 'host=localhost port=" + leader.port() + " dbname=" + db
                    + " user=" + leader.user() + "' PUBLICATION " + name + "_pub WITH (copy_data = false, enabled = false)");
        }
        Path dir = Files.createTempDirectory("tailwater-bench");
        Map<String, String> followers = new LinkedHashMap<>();
        followers.put("pg", follower.jdbcUrl(followerDb));
        followers.put("lite", "jdbc:sqlite:" + dir.resolve(name + ".db"));
        followers.put("duck", "jdbc:duckdb:" + dir.resolve(name + ".duckdb"));
        followers.put("h2", "jdbc:h2:file:" + dir.resolve(name + ".h2"));
        this.config = parse(servers.withDecoder(EmbeddedStreamConfig.yaml(name, servers.kafka(), servers.registry(), leaderUrl,
                List.of(BacklogWriter.TABLE), followers)));
        if (fresh) {
            follower.createDatabase(freshFollowerDb);
            String freshYaml = servers.withDecoder(EmbeddedStreamConfig.yaml(name + "_fresh", servers.kafka(), servers.registry(), leaderUrl,
                    List.of(BacklogWriter.TABLE), Map.of("pg", follower.jdbcUrl(freshFollowerDb))));
            this.freshConfig = parse(freshYaml);
            this.freshConfigFile = dir.resolve(name + "_fresh.yaml");
            Files.writeString(freshConfigFile, freshYaml);
        } else {
            this.freshConfig = null;
            this.freshConfigFile = null;
        }
    }

    private static StreamConfig parse(String yaml) {
        return new ConfigLoader().parse(yaml);
    }

    private static Map<String, String> followerLabels() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("pg", "PostgreSQL");
        labels.put("lite", "SQLite");
        labels.put("duck", "DuckDB");
        labels.put("h2", "H2");
        return labels;
    }

    Capture startCapture(StreamConfig stream) {
        Capture c = new Capture(stream);
        c.start();
        running.add(c);
        return c;
    }

    Applier startApplier(StreamConfig stream, String follower) {
        Applier a = new Applier(stream, follower);
        a.start();
        running.add(a);
        return a;
    }

    /**
     * Runs {@code tailwater verify}'s comparison of {@code follower} with the leader, with capture
     * and the follower's applier running as verify expects; returns the slower side's rows per
     * second on the largest table. A divergence fails the benchmark: it would be a bug.
     */
    long verifyRate(StreamConfig stream, String follower) throws Exception {
        Capture c = startCapture(stream);
        Applier a = startApplier(stream, follower);
        try {
            List<TableId> tables = Capture.tables(stream.leader(), Duration.ofSeconds(30));
            List<Verifier.TableResult> results = new Verifier(stream, stream.leader(), stream.follower(follower),
                    new Verifier.Options(tables, 5, Duration.ofSeconds(120), null)).run();
            Verifier.TableResult largest = results.get(0);
            for (Verifier.TableResult r : results) {
                if (!r.divergences().isEmpty()) {
                    throw new IllegalStateException("verify found " + r.divergences().size() + " diverging row(s) in " + r.table()
                            + " on follower '" + follower + "', e.g. " + r.divergences().get(0).render(r.columns(), false));
                }
                largest = r.leaderRows() > largest.leaderRows() ? r : largest;
            }
            return largest.rowsPerSecond();
        } finally {
            stop(a);
            stop(c);
        }
    }

    /** Closes {@code component} with the scenario. */
    <T extends AutoCloseable> T keep(T component) {
        running.add(component);
        return component;
    }

    /** Stops something this scenario started. */
    void stop(AutoCloseable c) throws Exception {
        c.close();
        running.remove(c);
    }

    /** Waits for the first heartbeat: the (empty) snapshot is done and capture streams. */
    void awaitStreaming(StreamConfig stream, Capture capture) throws Exception {
        measureLog(stream, 0, System.nanoTime(), capture::failure, LogEvent.Kind.HEARTBEAT, 1);
    }

    /**
     * Waits until the stream's slot has confirmed the leader's WAL position as of now: a restart
     * then starts from there, as an operator's restart of a capture that ran a while does, and
     * does not decode again what the stream's log already holds.
     */
    void awaitConfirmed(StreamConfig stream) throws Exception {
        try (Connection c = servers.leader().connect(db); Statement st = c.createStatement();
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM pg_replication_slots WHERE slot_name = ?"
                     + " AND confirmed_flush_lsn >= ?::pg_lsn")) {
            String lsn;
            try (ResultSet rs = st.executeQuery("SELECT pg_current_wal_lsn()::text")) {
                rs.next();
                lsn = rs.getString(1);
            }
            ps.setString(1, Capture.slotName(stream.stream()));
            ps.setString(2, lsn);
            Timing.measure(System.nanoTime(), 1, () -> {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
        }
    }

    /** The offset after the last record of the stream's log. */
    static long logEnd(StreamConfig stream) {
        try (KafkaConsumer<byte[], byte[]> c = KafkaClients.consumer(stream, "benchmark-" + stream.stream(), Map.of())) {
            TopicPartition tp = new TopicPartition(stream.logTopic(), 0);
            return c.endOffsets(List.of(tp)).get(tp);
        }
    }

    /**
     * Times how long the stream's log takes to hold {@code rows} row records after offset
     * {@code from}, from {@code t0}; the first of them marks the end of start-up.
     */
    static Timing measureLogRows(StreamConfig stream, long from, long t0, Supplier<Optional<Throwable>> failure, long rows)
            throws Exception {
        return measureLog(stream, from, t0, failure, LogEvent.Kind.ROW, rows);
    }

    /** Follows the log from offset {@code from} until it holds {@code count} records of {@code kind} after it. */
    private static Timing measureLog(StreamConfig stream, long from, long t0, Supplier<Optional<Throwable>> failure, LogEvent.Kind kind,
                                     long count)
            throws Exception {
        try (KafkaConsumer<byte[], byte[]> c = KafkaClients.consumer(stream, "benchmark-" + stream.stream(), Map.of())) {
            TopicPartition tp = new TopicPartition(stream.logTopic(), 0);
            c.assign(List.of(tp));
            c.seek(tp, from);
            long[] seen = {0};
            return Timing.measure(t0, count, () -> {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(20))) {
                    seen[0] += LogHeaders.isKind(r.headers(), kind) ? 1 : 0;
                }
                failure.get().ifPresent(e -> {
                    throw new IllegalStateException("capture failed: " + e.getMessage());
                });
                return seen[0];
            });
        }
    }

    /** Starts {@code follower}'s applier, times it until it has applied {@code rows} rows, and stops it. */
    Timing timeApply(StreamConfig stream, String follower, long rows) throws Exception {
        long t0 = System.nanoTime();
        Applier a = startApplier(stream, follower);
        Timing t = measureApplied(a, follower, t0, rows);
        stop(a);
        return t;
    }

    /** Times a started applier from {@code t0} until it has applied {@code rows} rows. */
    static Timing measureApplied(Applier a, String follower, long t0, long rows) throws Exception {
        return Timing.measure(t0, rows, () -> {
            a.failure().ifPresent(e -> {
                throw new IllegalStateException("applier of " + follower + " failed: " + e.getMessage());
            });
            return a.metrics().rows();
        });
    }

    /** Lets the native subscription apply until its table has {@code rows} rows, then disables it again. */
    void syncNative(long rows) throws Exception {
        try (Connection c = servers.follower().connect(nativeDb); Statement st = c.createStatement()) {
            st.execute("ALTER SUBSCRIPTION " + subscription + " ENABLE");
            Timing.measure(System.nanoTime(), rows, () -> BacklogWriter.count(c));
            st.execute("ALTER SUBSCRIPTION " + subscription + " DISABLE");
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM pg_stat_subscription WHERE subname = ? AND pid IS NOT NULL")) {
                ps.setString(1, subscription);
                Timing.measure(System.nanoTime(), 1, () -> {
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        return rs.getLong(1) == 0 ? 1 : 0; // the worker has exited
                    }
                });
            }
        }
    }

    /** Enables the native subscription and times it until {@code progress} reaches {@code rows}. */
    Timing timeNative(long rows, BacklogWriter backlog) throws Exception {
        try (Connection c = servers.follower().connect(nativeDb); Statement st = c.createStatement()) {
            long t0 = System.nanoTime();
            st.execute("ALTER SUBSCRIPTION " + subscription + " ENABLE");
            return Timing.measure(t0, rows, backlog.progressIn(c));
        }
    }

    /** Enables the native subscription for good (the latency run). */
    /** The native subscription's name, which its apply worker's connection to the leader also has. */
    String subscription() {
        return subscription;
    }

    /** Makes the native subscription's apply worker commit synchronously, so that it confirms each commit once it is durable. */
    void nativeSynchronousCommit() throws SQLException {
        try (Connection c = servers.follower().connect(nativeDb); Statement st = c.createStatement()) {
            st.execute("ALTER SUBSCRIPTION " + subscription + " SET (synchronous_commit = 'on')");
        }
    }

    void enableNative() throws SQLException {
        try (Connection c = servers.follower().connect(nativeDb); Statement st = c.createStatement()) {
            st.execute("ALTER SUBSCRIPTION " + subscription + " ENABLE");
        }
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : running) {
            c.close();
        }
        try (Connection c = servers.follower().connect(nativeDb); Statement st = c.createStatement()) {
            st.execute("DROP SUBSCRIPTION IF EXISTS " + subscription);
        }
        try (Connection c = servers.leader().connect(db); Statement st = c.createStatement()) {
            st.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = current_database()"
                    + " AND NOT active");
        }
        // Leave nothing for autovacuum or the checkpointer to do during the next run on these two cores.
        settle(servers.leader(), db);
        settle(servers.follower(), followerDb);
        settle(servers.follower(), nativeDb);
        if (freshConfig != null) {
            settle(servers.follower(), freshFollowerDb);
        }
    }

    private static void settle(PostgresServer server, String database) throws SQLException {
        try (Connection c = server.connect(database); Statement st = c.createStatement()) {
            st.execute("VACUUM ANALYZE");
            st.execute("CHECKPOINT");
        }
    }
}
