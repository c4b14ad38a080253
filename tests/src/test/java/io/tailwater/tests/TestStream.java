package io.tailwater.tests;

import io.tailwater.applier.Applier;
import io.tailwater.applier.verify.StreamVerifier;
import io.tailwater.applier.verify.TableComparison;
import io.tailwater.benchmark.FreshProcesses;
import io.tailwater.capture.Capture;
import io.tailwater.cli.StatusReport;
import io.tailwater.config.ConfigLoader;
import io.tailwater.config.StreamConfig;
import io.tailwater.embedded.EmbeddedStreamConfig;
import io.tailwater.embedded.MariaDbServer;
import io.tailwater.embedded.PostgresServer;
import io.tailwater.log.KafkaClients;
import io.tailwater.schemas.TableId;
import io.tailwater.schemas.event.Gtids;
import io.tailwater.schemas.event.LogEvent;
import io.tailwater.schemas.registry.SchemaRegistryClient;
import io.tailwater.schemas.serde.LogRecordSerde;
import io.tailwater.tests.faults.TailwaterProcess;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One stream of a test: its own leader database, a PostgreSQL follower database ("pg") and a
 * SQLite follower ("lite"), on the shared services. Starts and stops capture and appliers, and
 * compares followers with the leader.
 */
public final class TestStream implements AutoCloseable {
    public final String name;
    /** The stream's config; {@link #addFollower} replaces it. */
    public volatile StreamConfig config;
    public final String leaderUrl;
    /** The stream's config as a file, for the command line. */
    public final Path configFile;
    private String yaml;
    private final List<AutoCloseable> running = new ArrayList<>();
    private final java.util.Set<String> startedFollowers = new java.util.HashSet<>();
    private final List<Capture> captures = new ArrayList<>();
    private final List<TailwaterProcess> processes = new ArrayList<>();
    private final Map<String, Applier> latestAppliers = new java.util.HashMap<>();

    /** Fails the wait at once when the newest capture has stopped with an error. */
    private void failIfCaptureFailed() {
        if (!captures.isEmpty()) {
            captures.get(captures.size() - 1).failure().ifPresent(e -> {
                throw new AssertionError("capture of stream " + name + " failed: " + e.getMessage(), e);
            });
        }
    }

    public TestStream(String name, List<String> tables) throws Exception {
        this(name, tables, false);
    }

    /**
     * With {@code embeddedEngines}, also a DuckDB follower ("duck"), an H2 follower ("h2") and,
     * where MariaDB is installed, a MariaDB follower ("maria").
     */
    public TestStream(String name, List<String> tables, boolean embeddedEngines) throws Exception {
        this(name, tables, embeddedEngines, "");
    }

    /** As above, with {@code extraFollowers} (YAML entries, indented by two spaces) added under {@code followers}. */
    public TestStream(String name, List<String> tables, boolean embeddedEngines, String extraFollowers) throws Exception {
        this(name, tables, embeddedEngines, extraFollowers, Map.of());
    }

    /**
     * As above, with more settings for some followers: YAML lines indented by four spaces, by
     * follower name (a follower that does not run here is left out).
     */
    public TestStream(String name, List<String> tables, boolean embeddedEngines, String extraFollowers,
                      Map<String, String> followerSettings) throws Exception {
        this(name, tables, SharedServices.get().leader().createDatabase(name), embeddedEngines, extraFollowers, followerSettings);
    }

    /**
     * A stream whose leader is a database of the shared MariaDB server, {@link #mariaDbLeaderDatabase}
     * (its tables are listed as {@code <database>.<table>}); followers as above.
     */
    public static TestStream onMariaDb(String name, List<String> tables, boolean embeddedEngines) throws Exception {
        MariaDbServer maria = SharedServices.get().mariadb();
        if (maria == null) {
            throw new IllegalStateException("a MariaDB leader needs MariaDB installed (apt-get install mariadb-server)");
        }
        return new TestStream(name, tables, maria.createDatabase(mariaDbLeaderDatabase(name)), embeddedEngines, "", Map.of());
    }

    /** The leader database of a stream made by {@link #onMariaDb} (its MariaDB follower, "maria", is the database {@code name}). */
    public static String mariaDbLeaderDatabase(String name) {
        return name + "_src";
    }

    /** A stream whose leader database is on {@code leaderServer} rather than the shared leader (a server a test may kill). */
    public TestStream(String name, List<String> tables, PostgresServer leaderServer, String extraFollowers) throws Exception {
        this(name, tables, leaderServer.createDatabase(name), false, extraFollowers, Map.of());
    }

    private TestStream(String name, List<String> tables, String leaderUrl, boolean embeddedEngines, String extraFollowers,
                       Map<String, String> followerSettings) throws Exception {
        SharedServices.Services s = SharedServices.get();
        this.name = name;
        this.leaderUrl = leaderUrl;
        String followerUrl = s.follower().createDatabase(name + "_copy");
        Path sqlite = Files.createTempDirectory("tailwater-test").resolve(name + ".db");
        Map<String, String> followers = new java.util.LinkedHashMap<>();
        followers.put("pg", followerUrl);
        followers.put("lite", "jdbc:sqlite:" + sqlite);
        if (embeddedEngines) {
            followers.put("duck", "jdbc:duckdb:" + sqlite.resolveSibling(name + ".duckdb"));
            followers.put("h2", "jdbc:h2:file:" + sqlite.resolveSibling(name + ".h2"));
            if (s.mariadb() != null) {
                followers.put("maria", s.mariadb().createDatabase(name));
            }
        }
        String yaml = EmbeddedStreamConfig.yaml(name, s.kafka(), s.registry(), leaderUrl, tables, followers) + extraFollowers;
        for (Map.Entry<String, String> e : followerSettings.entrySet()) {
            String block = "  " + e.getKey() + ":\n    jdbc-url: " + followers.get(e.getKey()) + "\n";
            if (followers.containsKey(e.getKey())) {
                yaml = yaml.replace(block, block + e.getValue());
            }
        }
        this.yaml = yaml;
        this.config = new ConfigLoader().parse(yaml);
        this.configFile = sqlite.resolveSibling(name + ".yaml");
        Files.writeString(configFile, yaml);
    }

    /**
     * Lists one more PostgreSQL follower in the config and its file, as an operator edits them
     * (say, the former leader before {@code rejoin}); started appliers keep the config they had.
     */
    public void addFollower(String follower, String jdbcUrl) throws java.io.IOException {
        rewrite(yaml + "  " + follower + ":\n    jdbc-url: " + jdbcUrl + "\n    user: postgres\n");
    }

    /** Sets a key of the config's {@code leader:} section, as an operator edits it; started processes keep the config they had. */
    public void setLeaderOption(String key, String value) throws java.io.IOException {
        rewrite(yaml.replace("\nleader:\n", "\nleader:\n  " + key + ": " + value + "\n"));
    }

    /** Replaces the leader's JDBC URL in the config and its file (say, with one that also lists the leader's standby). */
    public void setLeaderUrl(String jdbcUrl) throws java.io.IOException {
        rewrite(yaml.replace("\n  jdbc-url: " + leaderUrl + "\n", "\n  jdbc-url: " + jdbcUrl + "\n"));
    }

    /** Sets a key of the config's {@code topics:} section (say, {@code log-retention}); started processes keep the config they had. */
    public void setTopicsOption(String key, String value) throws java.io.IOException {
        rewrite(yaml.replace("\ntopics:\n", "\ntopics:\n  " + key + ": " + value + "\n"));
    }

    /** Starts a {@code ./tailwater} process with these arguments (after {@code --config <file>}), logging to {@code log}. */
    public TailwaterProcess startProcess(String name, Path log, String command, String... args) throws java.io.IOException {
        List<String> all = new ArrayList<>(List.of(command, "--config", configFile.toString()));
        all.addAll(List.of(args));
        TailwaterProcess p = new TailwaterProcess(name, log, all.toArray(String[]::new));
        processes.add(p);
        running.add(p);
        return p;
    }

    /** Replaces the config and its file. */
    private void rewrite(String newYaml) throws java.io.IOException {
        yaml = newYaml;
        config = new ConfigLoader().parse(yaml);
        Files.writeString(configFile, yaml);
    }

    public Connection leader() throws SQLException {
        return DriverManager.getConnection(leaderUrl, leaderUrl.startsWith("jdbc:mariadb:") ? "root" : "postgres", "");
    }

    /** The GTID sequence number of the transaction {@code st}'s connection committed last on a MariaDB leader (its log transaction id). */
    public static long lastGtidSequence(java.sql.Statement st) throws SQLException {
        try (java.sql.ResultSet rs = st.executeQuery("SELECT @@last_gtid")) {
            rs.next();
            String gtid = rs.getString(1);
            return Gtids.sequenceOf(gtid);
        }
    }

    /** A connection to a follower, made as its applier makes it (DuckDB refuses a second connection configured differently). */
    public Connection follower(String follower) throws SQLException {
        var f = config.follower(follower);
        java.util.Properties props = io.tailwater.applier.dialect.Dialects.of(f.kind()).connectionProperties();
        if (f.user() != null) {
            props.setProperty("user", f.user());
        }
        return DriverManager.getConnection(f.jdbcUrl(), props);
    }

    /** Starts capture and an applier for every follower in the config, and waits for the initial snapshot. */
    public Capture startAll() throws InterruptedException {
        Capture capture = startCapture();
        config.followers().keySet().forEach(this::startApplier);
        awaitSnapshotComplete(Duration.ofSeconds(60));
        return capture;
    }

    /**
     * Starts capture and an applier for every follower in the config as separate
     * {@code ./tailwater} processes, as an operator runs them, in this JVM's time zone, each
     * logging to {@code <name>.log} under {@code logDir}; waits for the initial snapshot.
     */
    public void startProcesses(Path logDir) throws Exception {
        processes.add(new TailwaterProcess("capture", logDir.resolve("capture.log"), "capture", "--config", configFile.toString()));
        for (String follower : config.followers().keySet()) {
            processes.add(new TailwaterProcess(follower, logDir.resolve(follower + ".log"),
                    "apply", "--config", configFile.toString(), "--follower", follower));
            startedFollowers.add(follower);
        }
        running.addAll(processes);
        try {
            awaitSnapshotComplete(Duration.ofSeconds(120));
        } catch (AssertionError e) {
            throw withProcessLogs(e, logDir);
        }
    }

    /** The same failure, with the last lines of every process's log appended. */
    public AssertionError withProcessLogs(AssertionError e, Path logDir) {
        StringBuilder sb = new StringBuilder(e.getMessage());
        for (TailwaterProcess p : processes) {
            Path log = logDir.resolve(p.name() + ".log");
            sb.append("\n--- ").append(p.name()).append(" (last lines of ").append(log).append(") ---\n")
                    .append(FreshProcesses.tail(log, 15));
        }
        return new AssertionError(sb.toString(), e);
    }

    /** Stops the processes {@link #startProcesses} started (DuckDB and H2 files can then be opened here). */
    public void stopProcesses() throws Exception {
        for (TailwaterProcess p : processes) {
            stop(p);
        }
        processes.clear();
    }

    /** The id of the leader transaction {@code st} runs in (call it before the commit). */
    public static long currentXid(java.sql.Statement st) throws SQLException {
        try (java.sql.ResultSet rs = st.executeQuery("SELECT txid_current()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    public Capture startCapture() {
        return startCapture(new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    }

    public Capture startCapture(io.micrometer.core.instrument.MeterRegistry registry) {
        Capture c = new Capture(config, Duration.ofSeconds(30), registry);
        c.start();
        running.add(c);
        captures.add(c);
        return c;
    }

    /** Closes {@code component} when the stream closes (a test's own capture supervisor, say); returns it. */
    public <T extends AutoCloseable> T track(T component) {
        running.add(component);
        return component;
    }

    /** The capture started last. */
    public Capture latestCapture() {
        return captures.get(captures.size() - 1);
    }

    public Applier startApplier(String follower) {
        return startApplier(follower, new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    }

    public Applier startApplier(String follower, io.micrometer.core.instrument.MeterRegistry registry) {
        return startApplier(follower, registry, java.util.Set.of());
    }

    /** An applier that passes over the undecodable records at {@code skipOffsets}. */
    public Applier startApplier(String follower, java.util.Set<Long> skipOffsets) {
        return startApplier(follower, new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), skipOffsets);
    }

    private Applier startApplier(String follower, io.micrometer.core.instrument.MeterRegistry registry, java.util.Set<Long> skipOffsets) {
        return startApplier(follower, new Applier.Options(Duration.ofSeconds(30), registry, skipOffsets, false));
    }

    /** An applier with these options (say, {@code rebuild}). */
    public Applier startApplier(String follower, Applier.Options options) {
        Applier a = new Applier(config, follower, options);
        a.start();
        running.add(a);
        startedFollowers.add(follower);
        latestAppliers.put(follower, a);
        return a;
    }

    /** The applier last started for each follower. */
    public Map<String, Applier> latestAppliers() {
        return latestAppliers;
    }

    /** The offset of the last log record of a kind, from its header. */
    public long lastOffsetOfKind(LogEvent.Kind kind) {
        long last = -1;
        for (ConsumerRecord<byte[], byte[]> r : rawLog(config)) {
            if (io.tailwater.schemas.event.LogHeaders.isKind(r.headers(), kind)) {
                last = r.offset();
            }
        }
        return last;
    }

    /** The value bytes of the log record at {@code offset}. */
    public byte[] readRawValue(long offset) {
        return rawLog(config).stream().filter(r -> r.offset() == offset).findFirst().orElseThrow().value();
    }

    /** Every record of a stream's log up to its current end, undecoded. */
    public static List<ConsumerRecord<byte[], byte[]>> rawLog(StreamConfig config) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = KafkaClients.consumer(config, "test-reader-" + config.stream(), Map.of())) {
            TopicPartition tp = new TopicPartition(config.logTopic(), 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
            while (c.position(tp, Duration.ofSeconds(30)) < end) {
                c.poll(Duration.ofMillis(500)).forEach(out::add);
            }
        }
        return out;
    }

    /**
     * Waits until the initial snapshot is complete in the log. Leader transactions committed
     * before the snapshot's point are part of it; the ones after are in the log one by one. An
     * empty snapshot writes nothing: then the first heartbeat, which only streaming writes, says it.
     */
    public void awaitSnapshotComplete(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            failIfCaptureFailed();
            if (isStreaming(config)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the initial snapshot of stream " + name + " did not complete within " + timeout);
    }

    /** Waits until the log holds at least {@code count} leader transactions. */
    public void awaitTransactionsInLog(int count, Duration timeout) throws Exception {
        int logged = Poll.until(timeout, Duration.ofMillis(300), () -> {
            failIfCaptureFailed();
            return leaderTransactionsInLog().size();
        }, n -> n >= count);
        if (logged < count) {
            throw new AssertionError("the log of stream " + name + " holds " + logged + " leader transactions after " + timeout
                    + ", not " + count);
        }
    }

    /** Waits until the log holds every one of these leader transactions. */
    public void awaitLogged(java.util.Set<Long> leaderTransactions, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        java.util.Set<Long> logged = java.util.Set.of();
        while (System.nanoTime() < deadline) {
            failIfCaptureFailed();
            logged = new java.util.HashSet<>(leaderTransactionsInLog());
            if (logged.containsAll(leaderTransactions)) {
                return;
            }
            Thread.sleep(300);
        }
        java.util.Set<Long> missing = new java.util.TreeSet<>(leaderTransactions);
        missing.removeAll(logged);
        List<Map.Entry<Long, LogEvent>> log = readLog();
        StringBuilder tail = new StringBuilder();
        for (Map.Entry<Long, LogEvent> e : log.subList(Math.max(0, log.size() - 8), log.size())) {
            tail.append("\n  ").append(e.getKey()).append(": ").append(e.getValue().toString(), 0, Math.min(300, e.getValue().toString().length()));
        }
        throw new AssertionError("the log lacks " + missing.size() + " of " + leaderTransactions.size() + " leader transactions after "
                + timeout + ", e.g. " + missing.stream().limit(10).toList() + "; it has " + log.size() + " records, "
                + logged.size() + " leader transactions, ending with:" + tail);
    }

    /** The leader transaction ids of the transaction-end records in the log, in log order. */
    public List<Long> leaderTransactionsInLog() {
        return leaderTransactionsInLog(config);
    }

    /** The leader transaction ids of the transaction-end records in a stream's log, in log order. */
    public static List<Long> leaderTransactionsInLog(StreamConfig config) {
        List<Long> ids = new ArrayList<>();
        for (Map.Entry<Long, LogEvent> e : readLog(config)) {
            if (e.getValue() instanceof io.tailwater.schemas.event.TransactionEnd t && !t.source().snapshot()) {
                ids.add(t.source().txId());
            }
        }
        return ids;
    }

    /** Waits until the log holds these leader transactions, then until every started applier has applied the whole log. */
    public void awaitReplicated(java.util.Set<Long> leaderTransactions, Duration timeout) throws InterruptedException {
        long start = System.nanoTime();
        awaitLogged(leaderTransactions, timeout);
        awaitCaughtUp(timeout.minusNanos(System.nanoTime() - start));
    }

    /** Waits until every started applier has applied the whole log and reported it. */
    public void awaitCaughtUp(Duration timeout) throws InterruptedException {
        awaitCaughtUpFollowers(startedFollowers, timeout);
    }

    /** Waits until these followers have applied the whole log and reported it. */
    public void awaitCaughtUpFollowers(java.util.Collection<String> followers, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Thread.sleep(1000);
        StatusReport last = null;
        while (System.nanoTime() < deadline) {
            last = StatusReport.read(config, Duration.ofSeconds(10));
            boolean done = true;
            for (StatusReport.Row r : last.followers()) {
                if (!followers.contains(r.follower())) {
                    continue;
                }
                done &= r.state() != null && r.lagRecords() == 0 && r.reportAgeMillis() < 1500;
            }
            if (done) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("followers did not catch up within " + timeout + ":\n" + (last == null ? "" : last.render()));
    }

    /** Waits until {@code follower} reports {@code state}; returns the status report that shows it. */
    public StatusReport awaitFollowerState(String follower, io.tailwater.log.FollowerState state, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        StatusReport report = null;
        while (System.nanoTime() < deadline) {
            report = StatusReport.read(config, Duration.ofSeconds(10));
            if (report.follower(follower).state() == state) {
                return report;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(follower + " never reported " + state + " within " + timeout + ":\n"
                + (report == null ? "" : report.render()));
    }

    /** Compares every follower's copy of {@code tables} with the leader. */
    public List<TableComparison> compare(List<String> tables) throws SQLException {
        return compare(tables, startedFollowers);
    }

    /** Compares these followers' copies of {@code tables} with the leader. */
    public List<TableComparison> compare(List<String> tables, java.util.Collection<String> followers) throws SQLException {
        List<TableComparison> out = new ArrayList<>();
        for (String f : config.followers().keySet()) {
            if (!followers.contains(f)) {
                continue;
            }
            out.addAll(StreamVerifier.compare(config.leader(), config.follower(f), tables.stream().map(TableId::parse).toList()));
        }
        return out;
    }

    /** Every record of the log, decoded, with its offset. */
    public List<Map.Entry<Long, LogEvent>> readLog() {
        return readLog(config);
    }

    /** Every record of a stream's log that capture wrote (junk a test put there has no kind header), decoded, with its offset. */
    public static List<Map.Entry<Long, LogEvent>> readLog(StreamConfig config) {
        LogRecordSerde serde = new LogRecordSerde(new SchemaRegistryClient(config.registry()));
        List<Map.Entry<Long, LogEvent>> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : rawLog(config)) {
            if (r.headers().lastHeader(io.tailwater.schemas.event.LogHeaders.KIND) != null) {
                out.add(Map.entry(r.offset(), serde.deserialize(r.value())));
            }
        }
        return out;
    }

    /**
     * Whether capture streams: the initial snapshot is complete in the log, or, for an empty
     * snapshot (which writes nothing), a heartbeat is there, which only streaming writes.
     */
    public static boolean isStreaming(StreamConfig config) {
        for (Map.Entry<Long, LogEvent> e : readLog(config)) {
            if (e.getValue() instanceof io.tailwater.schemas.event.TransactionEnd t && t.source().snapshot()
                    && t.sourceOffset().contains("\"snapshot_completed\":true")
                    || e.getValue() instanceof io.tailwater.schemas.event.Heartbeat) {
                return true;
            }
        }
        return false;
    }

    public void stop(AutoCloseable component) throws Exception {
        running.remove(component);
        component.close();
    }

    @Override
    public void close() {
        for (int i = running.size() - 1; i >= 0; i--) {
            try {
                running.get(i).close();
            } catch (Exception ignored) {
                // test teardown
            }
        }
        running.clear();
    }
}
