package io.tailwater.benchmark;

import io.tailwater.applier.Applier;
import io.tailwater.capture.Capture;
import io.tailwater.config.ConfigLoader;
import io.tailwater.config.StreamConfig;
import io.tailwater.embedded.EmbeddedKafka;
import io.tailwater.embedded.EmbeddedPostgres;
import io.tailwater.embedded.EmbeddedRegistry;
import io.tailwater.embedded.EmbeddedStreamConfig;
import io.tailwater.log.KafkaClients;
import io.tailwater.schemas.event.LogEvent;
import io.tailwater.schemas.event.LogHeaders;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Measures Tailwater against PostgreSQL's own logical replication on the same two PostgreSQL
 * servers, the same table and the same backlog:
 * <ul>
 *   <li>capture throughput: a backlog of N rows in transactions of T rows, written while capture
 *   is stopped, from capture start until the log holds every row;</li>
 *   <li>catch-up throughput: the same backlog, from applier start until the follower has every
 *   row, for a PostgreSQL and a SQLite follower (one after the other);</li>
 *   <li>the anchor: a native publication and subscription, disabled while the backlog is written,
 *   from {@code ENABLE} until the subscriber has every row;</li>
 *   <li>end-to-end latency at a steady rate of single-row leader transactions, from the leader
 *   commit returning to the row being visible on the follower, for Tailwater and for native.</li>
 * </ul>
 * Every rate counts from the start command, so start-up costs are in it.
 */
public final class Benchmark {
    private static final String TABLE = "public.items";
    private static final String CREATE = "CREATE TABLE items (id bigint PRIMARY KEY, account int NOT NULL, amount numeric(12,2) NOT NULL,"
            + " note text, created timestamptz NOT NULL)";

    /** One backlog shape: N rows in transactions of T rows. */
    public record Backlog(int rows, int rowsPerTransaction) {
        public String label() {
            return String.format("N=%,d T=%d", rows, rowsPerTransaction);
        }
    }

    /**
     * How a run went: the time from its start command to the first row arriving, and then the
     * rate of rows until the last one.
     */
    public record Timing(double startupSeconds, double rowsPerSecond) {
        @Override
        public String toString() {
            return String.format("%,9.0f rows/s (start %.1f s)", rowsPerSecond, startupSeconds);
        }
    }

    /**
     * The measurements of one backlog. {@code freshCapture} and {@code freshApply} are those of
     * new {@code ./tailwater} processes on the same backlog (null unless asked for).
     */
    public record CatchUp(Backlog backlog, double leaderWrite, Timing capture, Timing applyPostgres, Timing applySqlite,
                          Timing nativePostgres, Timing freshCapture, Timing freshApply) {
    }

    /** Reads how many rows have arrived so far; may block briefly. */
    private interface Progress {
        long rows() throws Exception;
    }

    /** Polls {@code progress} until it reaches {@code rows}; the clock started at {@code t0}. */
    private static Timing measure(long t0, long rows, Progress progress) throws Exception {
        long deadline = t0 + Duration.ofMinutes(10).toNanos();
        long firstNanos = 0;
        long firstRows = 0;
        while (true) {
            long n = progress.rows();
            long now = System.nanoTime();
            if (n > 0 && firstNanos == 0) {
                firstNanos = now;
                firstRows = n;
            }
            if (n >= rows) {
                double rate = n == firstRows ? Double.NaN : (rows - firstRows) / ((now - firstNanos) / 1e9);
                return new Timing((firstNanos - t0) / 1e9, rate);
            }
            if (now > deadline) {
                throw new IllegalStateException("only " + n + " of " + rows + " rows arrived within 10 minutes");
            }
            Thread.sleep(2);
        }
    }

    /** Latency percentiles from leader commit to visibility on the follower, in milliseconds. */
    public record Latency(double rate, int transactions, double p50, double p95, double p99, double max) {
    }

    private final EmbeddedKafka kafka;
    private final EmbeddedRegistry registry;
    private final EmbeddedPostgres leader;
    private final EmbeddedPostgres follower;
    private final PrintStream out;
    private final FreshProcesses fresh;
    private int runs;

    /**
     * A benchmark on these servers. With {@code fresh} (not null), every backlog is also captured
     * and applied by new {@code ./tailwater} processes it starts.
     */
    public Benchmark(EmbeddedKafka kafka, EmbeddedRegistry registry, EmbeddedPostgres leader, EmbeddedPostgres follower, PrintStream out,
                     FreshProcesses fresh) throws SQLException {
        this.fresh = fresh;
        this.kafka = kafka;
        this.registry = registry;
        this.leader = leader;
        this.follower = follower;
        this.out = out;
        try (Connection c = follower.connect("postgres"); Statement st = c.createStatement()) {
            // The subscriber's launcher otherwise waits up to 5 s before it starts an enabled subscription's worker.
            st.execute("ALTER SYSTEM SET wal_retrieve_retry_interval = '50ms'");
            st.execute("SELECT pg_reload_conf()");
        }
    }

    /** Builds the backlog, then measures capture, both followers' catch-up and native replication on it. */
    public CatchUp catchUp(Backlog backlog) throws Exception {
        return catchUp(backlog, out);
    }

    /** As {@link #catchUp(Backlog)}, reporting to {@code out}. */
    public CatchUp catchUp(Backlog backlog, PrintStream out) throws Exception {
        Scenario s = new Scenario("catchup" + (++runs), true);
        try (s) {
            // Each stream's slot starts before the backlog: capture streams it rather than taking a snapshot.
            Capture capture = s.startCapture(s.config);
            s.awaitStreaming(s.config, capture);
            Capture freshStream = null;
            if (fresh != null) {
                freshStream = s.startCapture(s.freshConfig);
                s.awaitStreaming(s.freshConfig, freshStream);
            }
            // One streamed transaction in each log, so capture resumes streaming after it rather than taking a new snapshot.
            try (Connection c = leader.connect(s.db); Statement st = c.createStatement()) {
                st.execute("INSERT INTO items VALUES (-1, 0, 0, 'first', now())");
            }
            s.measureLogRows(s.config, System.nanoTime(), capture::failure, 0, 1);
            capture.close();
            if (freshStream != null) {
                s.measureLogRows(s.freshConfig, System.nanoTime(), freshStream::failure, 0, 1);
                freshStream.close();
            }

            long t0 = System.nanoTime();
            try (Connection c = leader.connect(s.db)) {
                writeBacklog(c, backlog);
            }
            double write = backlog.rows() / seconds(t0);

            t0 = System.nanoTime();
            capture = s.startCapture(s.config);
            Timing captured = s.measureLogRows(s.config, t0, capture::failure, 1, backlog.rows());

            Timing pg = s.timeApply("pg", backlog.rows() + 1);
            Timing lite = s.timeApply("lite", backlog.rows() + 1);
            capture.close();

            Timing freshCapture = null;
            Timing freshApply = null;
            if (fresh != null) {
                try (FreshProcesses.Running p = fresh.start("capture", "capture", "--config", s.freshConfigFile.toString())) {
                    freshCapture = s.measureLogRows(s.freshConfig, p.startNanos(), p::failure, 1, backlog.rows());
                    try (FreshProcesses.Running a = fresh.start("apply-pg", "apply", "--config", s.freshConfigFile.toString(),
                            "--follower", "pg"); Connection c = follower.connect(s.freshFollowerDb); Statement st = c.createStatement()) {
                        freshApply = measure(a.startNanos(), backlog.rows() + 1, () -> {
                            a.failure().ifPresent(e -> {
                                throw new IllegalStateException(e.getMessage());
                            });
                            return count(st);
                        });
                    }
                }
            }

            Timing nativeRate;
            try (Connection c = follower.connect(s.nativeDb); Statement st = c.createStatement()) {
                t0 = System.nanoTime();
                st.execute("ALTER SUBSCRIPTION " + s.subscription + " ENABLE");
                nativeRate = measure(t0, backlog.rows() + 1, () -> count(st));
            }
            CatchUp result = new CatchUp(backlog, write, captured, pg, lite, nativeRate, freshCapture, freshApply);
            out.printf("%s (leader wrote it at %,.0f rows/s)%n  capture          %s%n  apply PostgreSQL %s%n  apply SQLite     %s%n"
                            + "  native           %s%n  Tailwater/native into PostgreSQL: %.2f%n", backlog.label(), write, captured, pg, lite,
                    nativeRate, pg.rowsPerSecond() / nativeRate.rowsPerSecond());
            if (freshCapture != null) {
                out.printf("  fresh processes: capture %s, apply PostgreSQL %s; Tailwater/native into PostgreSQL: %.2f%n", freshCapture,
                        freshApply, freshApply.rowsPerSecond() / nativeRate.rowsPerSecond());
            }
            return result;
        }
    }

    /**
     * Commits single-row transactions at {@code rate} per second for {@code duration} with capture
     * and the PostgreSQL follower's applier running (or, with {@code nativeReplication}, the native
     * subscription instead), and measures when each row becomes visible on the follower.
     */
    public Latency latency(double rate, Duration duration, boolean nativeReplication) throws Exception {
        Scenario s = new Scenario("latency" + (++runs), nativeReplication);
        try (s) {
            Connection target;
            if (nativeReplication) {
                target = follower.connect(s.nativeDb);
                try (Statement st = target.createStatement()) {
                    st.execute("ALTER SUBSCRIPTION " + s.subscription + " ENABLE");
                }
            } else {
                Capture capture = s.startCapture(s.config);
                Applier applier = s.startApplier("pg");
                s.awaitStreaming(s.config, capture);
                try (Connection c = leader.connect(s.db); Statement st = c.createStatement()) {
                    st.execute("INSERT INTO items VALUES (-1, 0, 0, 'warm-up', now())");
                }
                target = follower.connect(s.followerDb);
                Statement st = target.createStatement();
                measure(System.nanoTime(), 1, () -> {
                    applier.failure().ifPresent(e -> {
                        throw new IllegalStateException("applier failed: " + e.getMessage());
                    });
                    return count(st);
                });
            }
            try (target) {
                int n = (int) (rate * duration.toSeconds());
                long[] committed = new long[n];
                long[] visible = new long[n];
                Thread watcher = new Thread(() -> watch(target, visible), "benchmark-watch");
                watcher.start();
                try (Connection c = leader.connect(s.db); PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO items VALUES (?, 1, 9.99, 'latency', now())")) {
                    long interval = (long) (1e9 / rate);
                    long next = System.nanoTime();
                    for (int i = 0; i < n; i++) {
                        ps.setLong(1, i);
                        ps.executeUpdate();
                        committed[i] = System.nanoTime();
                        next += interval;
                        long sleep = next - System.nanoTime();
                        if (sleep > 0) {
                            Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
                        }
                    }
                }
                watcher.join(60_000);
                watcher.interrupt();
                double[] ms = new double[n];
                for (int i = 0; i < n; i++) {
                    if (visible[i] == 0) {
                        throw new IllegalStateException("row " + i + " never became visible on the follower within 60 s");
                    }
                    ms[i] = Math.max(0, visible[i] - committed[i]) / 1e6;
                }
                Arrays.sort(ms);
                Latency l = new Latency(rate, n, ms[n / 2], ms[(int) (n * 0.95)], ms[(int) (n * 0.99)], ms[n - 1]);
                out.printf("%-18s %,.0f tx/s for %d s: leader commit to visible on the PostgreSQL follower: p50 %.1f ms, p95 %.1f ms,"
                        + " p99 %.1f ms, max %.1f ms%n", nativeReplication ? "latency (native)" : "latency (Tailwater)", rate,
                        duration.toSeconds(), l.p50(), l.p95(), l.p99(), l.max());
                return l;
            }
        }
    }

    /** Polls the follower's highest id; every id up to it is visible from then on (one writer, ids in commit order). */
    private static void watch(Connection target, long[] visible) {
        int seen = 0;
        try (PreparedStatement ps = target.prepareStatement("SELECT max(id) FROM items WHERE id >= ?")) {
            while (seen < visible.length && !Thread.currentThread().isInterrupted()) {
                ps.setLong(1, seen);
                long now;
                long max;
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    now = System.nanoTime();
                    max = rs.getObject(1) == null ? -1 : rs.getLong(1);
                }
                while (seen <= max && seen < visible.length) {
                    visible[seen++] = now;
                }
                Thread.sleep(1);
            }
        } catch (SQLException | InterruptedException e) {
            // the run ends; missing rows are reported by the caller
        }
    }

    private static void writeBacklog(Connection c, Backlog backlog) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET synchronous_commit = off"); // the backlog is only input; replication reads the WAL all the same
        }
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO items VALUES (?, ?, ?, ?, now())")) {
            for (int i = 0; i < backlog.rows(); i++) {
                ps.setLong(1, i);
                ps.setInt(2, i % 1000);
                ps.setBigDecimal(3, java.math.BigDecimal.valueOf(i % 100_000, 2));
                ps.setString(4, "row " + i + " of the backlog");
                ps.addBatch();
                if ((i + 1) % backlog.rowsPerTransaction() == 0 || i == backlog.rows() - 1) {
                    ps.executeBatch();
                    c.commit();
                }
            }
        }
    }

    /** The follower's row count; 0 while the applier has not created the table. */
    private static long count(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT count(*) FROM items")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                return 0;
            }
            throw e;
        }
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    /** One stream on fresh databases: a leader database, a follower database, a SQLite file, and a disabled native subscription. */
    private final class Scenario implements AutoCloseable {
        final String name;
        final String db;
        final String followerDb;
        final String nativeDb;
        final String subscription;
        final StreamConfig config;
        /** With fresh processes: a second stream on the same leader table, with its own slot, log and follower database. */
        final StreamConfig freshConfig;
        final Path freshConfigFile;
        final String freshFollowerDb;
        private final List<AutoCloseable> running = new java.util.ArrayList<>();

        Scenario(String name, boolean nativeSubscription) throws Exception {
            this.name = name;
            this.db = name;
            this.followerDb = name + "_tailwater";
            this.nativeDb = name + "_native";
            this.subscription = name + "_sub";
            String leaderUrl = leader.createDatabase(db);
            follower.createDatabase(followerDb);
            try (Connection c = leader.connect(db); Statement st = c.createStatement()) {
                st.execute(CREATE);
            }
            if (nativeSubscription) {
                follower.createDatabase(nativeDb);
                try (Connection c = leader.connect(db); Statement st = c.createStatement()) {
                    st.execute("CREATE PUBLICATION " + name + "_pub FOR TABLE items");
                }
                try (Connection c = follower.connect(nativeDb); Statement st = c.createStatement()) {
                    st.execute(CREATE);
                    st.execute("CREATE SUBSCRIPTION " + subscription + " CONNECTION 'host=localhost port=" + leader.port() + " dbname=" + db
                            + " user=postgres' PUBLICATION " + name + "_pub WITH (copy_data = false, enabled = false)");
                }
            }
            Path dir = Files.createTempDirectory("tailwater-bench");
            Map<String, String> followers = new LinkedHashMap<>();
            followers.put("pg", follower.jdbcUrl(followerDb));
            followers.put("lite", "jdbc:sqlite:" + dir.resolve(name + ".db"));
            this.config = new ConfigLoader().parse(EmbeddedStreamConfig.yaml(name, kafka, registry, leaderUrl, List.of(TABLE), followers));
            this.freshFollowerDb = name + "_fresh";
            if (fresh != null) {
                follower.createDatabase(freshFollowerDb);
                String freshYaml = EmbeddedStreamConfig.yaml(name + "_fresh", kafka, registry, leaderUrl, List.of(TABLE),
                        Map.of("pg", follower.jdbcUrl(freshFollowerDb)));
                this.freshConfig = new ConfigLoader().parse(freshYaml);
                this.freshConfigFile = dir.resolve(name + "_fresh.yaml");
                Files.writeString(freshConfigFile, freshYaml);
            } else {
                this.freshConfig = null;
                this.freshConfigFile = null;
            }
        }

        Capture startCapture(StreamConfig config) {
            Capture c = new Capture(config);
            c.start();
            running.add(c);
            return c;
        }

        Applier startApplier(String follower) {
            Applier a = new Applier(config, follower);
            a.start();
            running.add(a);
            return a;
        }

        /**
         * Times how long the stream's log takes to hold {@code rows} more row records than the
         * {@code before} it held at {@code t0}; the first of them marks the end of start-up.
         */
        Timing measureLogRows(StreamConfig config, long t0, Supplier<Optional<Throwable>> failure, long before, long rows)
                throws Exception {
            return measureLog(config, t0, failure, LogEvent.Kind.ROW, before, rows);
        }

        /** Waits for the first heartbeat: the (empty) snapshot is done and capture streams. */
        void awaitStreaming(StreamConfig config, Capture capture) throws Exception {
            measureLog(config, System.nanoTime(), capture::failure, LogEvent.Kind.HEARTBEAT, 0, 1);
        }

        /** Follows the log from its start until it holds {@code count} records of {@code kind} beyond the first {@code before}. */
        private Timing measureLog(StreamConfig config, long t0, Supplier<Optional<Throwable>> failure, LogEvent.Kind kind, long before,
                                  long count) throws Exception {
            try (KafkaConsumer<byte[], byte[]> c = KafkaClients.consumer(config, "benchmark-" + config.stream(), Map.of())) {
                TopicPartition tp = new TopicPartition(config.logTopic(), 0);
                c.assign(List.of(tp));
                c.seekToBeginning(List.of(tp));
                long[] seen = {0};
                return measure(t0, count, () -> {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(20))) {
                        seen[0] += LogHeaders.isKind(r.headers(), kind) ? 1 : 0;
                    }
                    if (failure.get().isPresent()) {
                        throw new IllegalStateException("capture failed: " + failure.get().get().getMessage());
                    }
                    return Math.max(0, seen[0] - before);
                });
            }
        }

        /** Starts the applier of {@code follower}, waits until it has applied {@code rows} rows, and stops it. */
        Timing timeApply(String follower, long rows) throws Exception {
            long t0 = System.nanoTime();
            Applier a = startApplier(follower);
            Timing t = measure(t0, rows, () -> {
                if (a.failure().isPresent()) {
                    throw new IllegalStateException("applier of " + follower + " failed: " + a.failure().get().getMessage());
                }
                return a.metrics().rows();
            });
            a.close();
            running.remove(a);
            return t;
        }

        @Override
        public void close() throws Exception {
            for (AutoCloseable c : running) {
                c.close();
            }
            try (Connection c = follower.connect(nativeDb); Statement st = c.createStatement()) {
                st.execute("DROP SUBSCRIPTION IF EXISTS " + subscription);
            } catch (SQLException e) {
                // no native subscription in this scenario
            }
            try (Connection c = leader.connect(db); Statement st = c.createStatement()) {
                st.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = current_database()"
                        + " AND NOT active");
            }
            // Leave nothing for autovacuum or the checkpointer to do during the next run on these two cores.
            settle(leader, db);
            settle(follower, followerDb);
            settle(follower, nativeDb);
            settle(follower, freshFollowerDb);
        }

        private static void settle(EmbeddedPostgres server, String database) {
            try (Connection c = server.connect(database); Statement st = c.createStatement()) {
                st.execute("VACUUM ANALYZE");
                st.execute("CHECKPOINT");
            } catch (SQLException e) {
                // a database this run did not use
            }
        }
    }
}
