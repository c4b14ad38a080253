package io.tailwater.benchmark;

import io.tailwater.applier.Applier;
import io.tailwater.capture.Capture;
import io.tailwater.capture.CaptureMetrics;
import io.tailwater.config.StreamConfig;
import io.tailwater.config.StreamingDecoder;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Measures Tailwater against PostgreSQL's own logical replication on the same two PostgreSQL
 * servers, the same table and the same backlog:
 * <ul>
 *   <li>capture throughput: a backlog of N changes in transactions of T, written while capture
 *   is stopped, from capture start until the log holds every change;</li>
 *   <li>catch-up throughput: the same backlog, from applier start until the follower has every
 *   change, for PostgreSQL, SQLite, DuckDB and H2 followers (one after the other);</li>
 *   <li>the anchor: a native publication and subscription, disabled while the backlog is written,
 *   from {@code ENABLE} until the subscriber has every change;</li>
 *   <li>end-to-end latency at a steady rate of single-row leader transactions, from the leader
 *   commit returning to the row being visible on the follower, for Tailwater and for native.</li>
 * </ul>
 * Every follower, native included, has applied the rows that exist before the backlog (its
 * seed) when the backlog is written. Every rate counts from the first change arriving, and the
 * start-up time from the start command to it.
 */
public final class Benchmark {
    /**
     * The measurements of one backlog; {@code apply} by follower label. {@code freshCapture} and
     * {@code freshApply} are those of new {@code ./tailwater} processes on the same backlog (null
     * unless asked for). {@code verifyRowsPerSecond} is {@code tailwater verify}'s rate on the
     * PostgreSQL follower afterwards, rows per second per side.
     */
    public record CatchUp(Backlog backlog, double leaderWrite, Timing capture, Map<String, Timing> apply, Timing nativePostgres,
                          Timing freshCapture, Timing freshApply, long verifyRowsPerSecond) {
        /** The PostgreSQL follower's catch-up. */
        public Timing applyPostgres() {
            return apply.get("PostgreSQL");
        }
    }

    /**
     * Latency percentiles from leader commit to visibility on the follower, in milliseconds, and
     * for Tailwater from leader commit to sent by capture and to readable in the log (capture's
     * share, the difference being the Kafka transaction's commit), else null.
     */
    public record Latency(Mode mode, double rate, int transactions, double p50, double p95, double p99, double max, Percentiles sent,
                          Percentiles inLog) {
    }

    /** Percentiles of a run's latencies, in milliseconds. */
    public record Percentiles(double p50, double p95, double p99, double max) {
        /** The percentiles of {@code to[i] - from[i]} (nanoseconds), for all i. */
        static Percentiles between(long[] from, long[] to) {
            int n = from.length;
            double[] ms = new double[n];
            for (int i = 0; i < n; i++) {
                ms[i] = Math.max(0, to[i] - from[i]) / 1e6;
            }
            Arrays.sort(ms);
            return new Percentiles(ms[n / 2], ms[(int) (n * 0.95)], ms[(int) (n * 0.99)], ms[n - 1]);
        }

        @Override
        public String toString() {
            return String.format("p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms", p50, p95, p99, max);
        }
    }

    /** Who replicates in a latency run. */
    public enum Mode {
        /** Capture and applier in this JVM, warmed by the runs before. */
        TAILWATER("Tailwater"),
        /** New {@code ./tailwater capture} and {@code apply} processes. */
        FRESH("Tailwater, fresh processes"),
        /** PostgreSQL's own logical replication. */
        NATIVE("native");

        final String label;

        Mode(String label) {
            this.label = label;
        }
    }

    private final BenchmarkServers servers;
    private final PrintStream out;
    private final FreshProcesses fresh;
    private int runs;

    /**
     * A benchmark on these servers. With {@code fresh} (not null), every backlog is also captured
     * and applied by new {@code ./tailwater} processes it starts.
     */
    public Benchmark(BenchmarkServers servers, PrintStream out, FreshProcesses fresh) throws SQLException {
        this.servers = servers;
        this.out = out;
        this.fresh = fresh;
        try (Connection c = servers.follower().connect("postgres"); Statement st = c.createStatement()) {
            // The subscriber's launcher otherwise waits up to 5 s before it starts an enabled subscription's worker.
            st.execute("ALTER SYSTEM SET wal_retrieve_retry_interval = '50ms'");
            st.execute("SELECT pg_reload_conf()");
        }
    }

    /** Builds the backlog, then measures capture, every follower's catch-up and native replication on it. */
    public CatchUp catchUp(Backlog backlog) throws Exception {
        return catchUp(backlog, out);
    }

    /** As {@link #catchUp(Backlog)}, reporting to {@code out}. */
    public CatchUp catchUp(Backlog backlog, PrintStream out) throws Exception {
        BacklogWriter writer = new BacklogWriter(backlog);
        long seed = writer.seedRows();
        long rows = backlog.rows();
        try (Scenario s = new Scenario(servers, servers.name() + "_catchup" + (++runs), fresh != null)) {
            // Each stream's slot starts before the seed: capture streams it rather than taking a snapshot.
            Capture capture = s.startCapture(s.config);
            s.awaitStreaming(s.config, capture);
            Capture freshStream = null;
            if (fresh != null) {
                freshStream = s.startCapture(s.freshConfig);
                s.awaitStreaming(s.freshConfig, freshStream);
            }
            try (Connection c = servers.leader().connect(s.db)) {
                writer.seed(c);
            }
            Scenario.measureLogRows(s.config, 0, System.nanoTime(), capture::failure, seed);
            s.awaitConfirmed(s.config);
            s.stop(capture);
            for (String follower : Scenario.FOLLOWERS.keySet()) {
                s.timeApply(s.config, follower, seed);
            }
            if (freshStream != null) {
                Scenario.measureLogRows(s.freshConfig, 0, System.nanoTime(), freshStream::failure, seed);
                s.awaitConfirmed(s.freshConfig);
                s.stop(freshStream);
                s.timeApply(s.freshConfig, "pg", seed);
            }
            s.syncNative(seed);

            double write;
            try (Connection c = servers.leader().connect(s.db)) {
                write = writer.write(c);
            }
            // Counting starts at the log's end: reading the seed first would delay the first row seen and inflate the rate.
            long logEnd = Scenario.logEnd(s.config);
            long t0 = System.nanoTime();
            capture = s.startCapture(s.config);
            Timing captured = Scenario.measureLogRows(s.config, logEnd, t0, capture::failure, rows);
            Map<String, Timing> apply = new LinkedHashMap<>();
            for (Map.Entry<String, String> f : Scenario.FOLLOWERS.entrySet()) {
                apply.put(f.getValue(), s.timeApply(s.config, f.getKey(), rows));
            }
            s.stop(capture);

            Timing freshCapture = null;
            Timing freshApply = null;
            if (fresh != null) {
                long freshEnd = Scenario.logEnd(s.freshConfig);
                try (FreshProcesses.Running p = fresh.start("capture", "capture", "--config", s.freshConfigFile.toString())) {
                    freshCapture = Scenario.measureLogRows(s.freshConfig, freshEnd, p.startNanos(), p::failure, rows);
                    try (FreshProcesses.Running a = fresh.start("apply-pg", "apply", "--config", s.freshConfigFile.toString(),
                            "--follower", "pg"); Connection c = servers.follower().connect(s.freshFollowerDb)) {
                        Timing.Progress progress = writer.progressIn(c);
                        freshApply = Timing.measure(a.startNanos(), rows, () -> {
                            a.failure().ifPresent(e -> {
                                throw new IllegalStateException(e.getMessage());
                            });
                            return progress.rows();
                        });
                    }
                }
            }
            Timing nativeRate = s.timeNative(rows, writer);
            long verify = s.verifyRate(s.config, "pg");
            CatchUp result = new CatchUp(backlog, write, captured, apply, nativeRate, freshCapture, freshApply, verify);
            report(result, out);
            return result;
        }
    }

    private static void report(CatchUp r, PrintStream out) {
        out.printf("%s (leader wrote it at %,.0f changes/s)%n", r.backlog().label(), r.leaderWrite());
        out.printf("  capture             %s  %.2f x native%n", r.capture(), r.capture().over(r.nativePostgres()));
        r.apply().forEach((label, t) -> out.printf("  apply %-13s %s  %.2f x native%n", label, t, t.over(r.nativePostgres())));
        out.printf("  native              %s%n", r.nativePostgres());
        out.printf("  verify PostgreSQL   %,d rows/s per side (leader and follower read row by row, no divergence)%n",
                r.verifyRowsPerSecond());
        if (r.freshCapture() != null) {
            out.printf("  fresh capture       %s  %.2f x native%n  fresh apply PG      %s  %.2f x native%n", r.freshCapture(),
                    r.freshCapture().over(r.nativePostgres()), r.freshApply(), r.freshApply().over(r.nativePostgres()));
        }
    }

    /**
     * Commits single-row transactions at {@code rate} per second for {@code duration} while
     * {@code mode} replicates into a PostgreSQL follower, and measures when each row becomes
     * visible there.
     */
    public Latency latency(double rate, Duration duration, Mode mode) throws Exception {
        try (Scenario s = new Scenario(servers, servers.name() + "_latency" + (++runs), mode == Mode.FRESH)) {
            Connection target;
            Capture inProcess = null;
            FreshProcesses.Running capture = null;
            FreshProcesses.Running apply = null;
            switch (mode) {
                case NATIVE -> {
                    s.enableNative();
                    target = servers.follower().connect(s.nativeDb);
                }
                case TAILWATER -> {
                    Capture c = s.startCapture(s.config);
                    Applier a = s.startApplier(s.config, "pg");
                    target = servers.follower().connect(s.followerDb);
                    awaitWarmUp(s, target, () -> c.failure().or(a::failure).ifPresent(e -> {
                        throw new IllegalStateException(e.getMessage());
                    }));
                    awaitDecoder(s, c, s.config);
                    inProcess = c;
                }
                case FRESH -> {
                    // The stream ran before, as one an operator restarts: its initial snapshot and the hand-over are behind it.
                    Capture first = s.startCapture(s.freshConfig);
                    awaitDecoder(s, first, s.freshConfig);
                    s.awaitConfirmed(s.freshConfig);
                    s.stop(first);
                    capture = fresh.start("latency-capture", "capture", "--config", s.freshConfigFile.toString());
                    apply = fresh.start("latency-apply", "apply", "--config", s.freshConfigFile.toString(), "--follower", "pg");
                    target = servers.follower().connect(s.freshFollowerDb);
                    FreshProcesses.Running c = capture;
                    FreshProcesses.Running a = apply;
                    awaitWarmUp(s, target, () -> c.failure().or(a::failure).ifPresent(e -> {
                        throw new IllegalStateException(e.getMessage());
                    }));
                }
                default -> throw new IllegalArgumentException(mode.name());
            }
            try (target; FreshProcesses.Running c = capture; FreshProcesses.Running a = apply) {
                CaptureMetrics metrics = mode == Mode.TAILWATER ? inProcess.metrics() : null;
                long commitsBefore = metrics == null ? 0 : metrics.kafkaCommits();
                double commitMillisBefore = metrics == null ? 0 : metrics.kafkaCommitMillis();
                Latency l = measureLatency(s, target, rate, duration, mode);
                out.printf("%-40s %,.0f tx/s for %d s: leader commit to visible on the PostgreSQL follower: p50 %.1f ms, p95 %.1f ms,"
                        + " p99 %.1f ms, max %.1f ms%n", "latency (" + mode.label + ")", rate, duration.toSeconds(), l.p50(), l.p95(),
                        l.p99(), l.max());
                if (l.inLog() != null) {
                    out.printf("%-40s of which leader commit to sent by capture: %s; to readable in the log: %s%n", "", l.sent(), l.inLog());
                }
                if (metrics != null) {
                    long commits = metrics.kafkaCommits() - commitsBefore;
                    out.printf("%-40s capture committed %,d Kafka transactions, %.1f ms each on average%n", "", commits,
                            commits == 0 ? 0 : (metrics.kafkaCommitMillis() - commitMillisBefore) / commits);
                }
                return l;
            }
        }
    }

    /** Something that throws when a replicating component has failed. */
    private interface FailureCheck {
        void check();
    }

    /** Commits one row and waits until the follower shows that row: Tailwater streams end to end. */
    private void awaitWarmUp(Scenario s, Connection target, FailureCheck failed) throws Exception {
        try (Connection c = servers.leader().connect(s.db); Statement st = c.createStatement()) {
            st.execute("INSERT INTO items VALUES (-1, 0, 0, 'warm-up', now())");
        }
        Timing.measure(System.nanoTime(), 1, () -> {
            failed.check();
            return BacklogWriter.count(target, "id = -1");
        });
    }

    /**
     * Commits warm-up rows until capture streams with the decoder {@code stream}'s config names:
     * after the initial snapshot Debezium hands over to the own reader once it has logged a later
     * transaction, and that hand-over is a start-up cost, not the steady state measured.
     */
    private void awaitDecoder(Scenario s, Capture capture, StreamConfig stream) throws Exception {
        StreamingDecoder wanted = stream.leader().decoder();
        try (Connection c = servers.leader().connect(s.db); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO items VALUES (?, 0, 0, 'warm-up', now())")) {
            long[] id = {-2};
            Timing.measure(System.nanoTime(), 1, () -> {
                capture.failure().ifPresent(e -> {
                    throw new IllegalStateException(e.getMessage());
                });
                if (capture.decoder() == wanted) {
                    return 1;
                }
                ps.setLong(1, id[0]--);
                ps.executeUpdate();
                Thread.sleep(20);
                return 0;
            });
        }
    }

    private Latency measureLatency(Scenario s, Connection target, double rate, Duration duration, Mode mode) throws Exception {
        int n = (int) (rate * duration.toSeconds());
        long[] committed = new long[n];
        long[] visible = new long[n];
        long[] inLog = new long[n];
        long[] sent = new long[n];
        Thread watcher = new Thread(() -> watch(target, visible), "benchmark-watch");
        watcher.start();
        StreamConfig stream = switch (mode) {
            case TAILWATER -> s.config;
            case FRESH -> s.freshConfig;
            case NATIVE -> null;
        };
        LogArrival arrival = stream == null ? null : new LogArrival(stream, inLog, sent);
        try (Connection c = servers.leader().connect(s.db); PreparedStatement ps = c.prepareStatement(
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
        if (arrival != null) {
            arrival.close(); // every row is visible on the follower, so in the log before that
        }
        for (int i = 0; i < n; i++) {
            if (visible[i] == 0) {
                throw new IllegalStateException("row " + i + " never became visible on the follower within 60 s");
            }
            if (arrival != null && inLog[i] == 0) {
                throw new IllegalStateException("row " + i + " is visible on the follower but was not seen in the log");
            }
        }
        Percentiles total = Percentiles.between(committed, visible);
        return new Latency(mode, rate, n, total.p50(), total.p95(), total.p99(), total.max(),
                arrival == null ? null : Percentiles.between(committed, sent), arrival == null ? null : Percentiles.between(committed, inLog));
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

}
