package io.tailwater.tests.faults;

import io.tailwater.applier.verify.StreamVerifier;
import io.tailwater.applier.verify.TableComparison;
import io.tailwater.cli.StatusReport;
import io.tailwater.config.ConfigLoader;
import io.tailwater.config.LeaderKind;
import io.tailwater.config.StreamConfig;
import io.tailwater.embedded.EmbeddedMariaDb;
import io.tailwater.embedded.EmbeddedPostgres;
import io.tailwater.embedded.RegistryServer;
import io.tailwater.embedded.EmbeddedStreamConfig;
import io.tailwater.schemas.TableId;
import io.tailwater.schemas.event.LeaderChange;
import io.tailwater.schemas.event.LogEvent;
import io.tailwater.schemas.event.Op;
import io.tailwater.schemas.event.RowChange;
import io.tailwater.schemas.event.TransactionEnd;
import io.tailwater.tests.TestStream;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs Tailwater as users run it, in separate processes, under a workload, while it kills and
 * restarts its parts at random moments: capture (SIGKILL), an applier (SIGKILL), the Kafka broker
 * (SIGKILL, then start), the follower database (fast restart), the leader database (fast
 * restart), and the leader itself: a planned switchover to the other PostgreSQL database, whose
 * old leader then rejoins (see {@link Leadership}). Then it lets everything catch up and checks
 * what Tailwater promises: every follower equals the leader, the log holds each committed leader
 * transaction exactly once across the epochs, each follower's position only moved forward, and no
 * reader of a follower ever saw the invariant (a constant total of balances) broken.
 *
 * <p>The leader has {@value #ACCOUNTS} accounts holding {@value #TOTAL} in all; each workload
 * transaction moves money among two to four of them and records the transfer in a second table.
 */
final class FaultHarness implements AutoCloseable {
    static final int ACCOUNTS = 50;
    static final long TOTAL = 1_000_000;
    private static final List<String> TABLES = List.of("public.accounts", "public.transfers");
    /** A MariaDB leader's database; its tables on the followers are {@code bank.accounts} (PostgreSQL) and {@code bank_accounts} (SQLite). */
    private static final String MARIA_DB = "bank";

    /** The kinds of fault the harness injects. */
    enum Fault { KILL_CAPTURE, KILL_APPLIER, KILL_BROKER, RESTART_FOLLOWER_DB, RESTART_LEADER_DB, PROMOTE;

        /** The faults a run with a leader of {@code kind} strikes: a MariaDB leader has no promote (failover is PostgreSQL's). */
        static List<Fault> of(LeaderKind kind) {
            return kind == LeaderKind.MARIADB ? List.of(KILL_CAPTURE, KILL_APPLIER, KILL_BROKER, RESTART_FOLLOWER_DB, RESTART_LEADER_DB)
                    : List.of(values());
        }
    }

    /** How many faults of a kind a run of {@code rounds} has: a switchover takes seconds, so a quarter as many of those. */
    static int rounds(Fault fault, int rounds) {
        return fault == Fault.PROMOTE ? Math.max(1, rounds / 4) : rounds;
    }

    /** What a run did and found. */
    record Result(Map<Fault, Integer> faults, int switchovers, int committed, int inDoubtResolved, long invariantReads,
                  long invariantViolations, long positionReads, long positionRegressions, List<TableComparison> comparisons,
                  int loggedTransactions, int duplicateTransactions, Set<String> missingTransactions, Set<String> unexpectedTransactions) {
    }

    private final Path dir;
    private final long seed;
    private final KafkaBrokerProcess broker;
    private final LeaderKind kind;
    private final List<String> tables;
    /** The leader's server: one of these, by {@link #kind}. */
    private final EmbeddedPostgres leaderPg;
    private final EmbeddedMariaDb leaderMaria;
    private final EmbeddedPostgres followerPg;
    private final String leaderUrl;
    private final String followerUrl;
    private final Path configFile;
    private final StreamConfig config;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    /** Committed leader transactions, as {@code <database>:<xid>} (the two databases' servers number theirs alike). */
    private final Set<String> committed = ConcurrentHashMap.newKeySet();
    private final Leadership leadership;
    private final Map<String, TailwaterProcess> appliers = new ConcurrentHashMap<>();
    private final AtomicLong inDoubtResolved = new AtomicLong();
    private final AtomicLong invariantReads = new AtomicLong();
    private final AtomicLong invariantViolations = new AtomicLong();
    private final AtomicLong positionReads = new AtomicLong();
    private final AtomicLong positionRegressions = new AtomicLong();
    private final List<String> violations = Collections.synchronizedList(new ArrayList<>());

    FaultHarness(Path dir, long seed, RegistryServer registry, LeaderKind kind) throws Exception {
        this.dir = dir;
        this.seed = seed;
        this.kind = kind;
        this.tables = kind == LeaderKind.MARIADB ? List.of(MARIA_DB + ".accounts", MARIA_DB + ".transfers") : TABLES;
        this.broker = KafkaBrokerProcess.start(Files.createDirectories(dir.resolve("kafka")));
        closeables.add(broker);
        // A WAL sender whose client reads nothing (capture waiting for Kafka) holds up a fast shutdown until this timeout.
        if (kind == LeaderKind.MARIADB) {
            this.leaderPg = null;
            this.leaderMaria = EmbeddedMariaDb.start();
            closeables.add(leaderMaria);
            this.leaderUrl = leaderMaria.createDatabase(MARIA_DB);
        } else {
            this.leaderMaria = null;
            this.leaderPg = EmbeddedPostgres.start(Map.of("wal_sender_timeout", "10s"));
            closeables.add(leaderPg);
            this.leaderUrl = leaderPg.createDatabase("bank");
        }
        this.followerPg = EmbeddedPostgres.start();
        closeables.add(followerPg);
        this.followerUrl = followerPg.createDatabase("bank_copy");
        // Short Kafka timeouts: capture gives up on a dead broker quickly and is started again.
        Map<String, String> kafka = new java.util.LinkedHashMap<>();
        kafka.put("max.block.ms", "10000");
        kafka.put("request.timeout.ms", "5000");
        kafka.put("delivery.timeout.ms", "20000");
        kafka.put("transaction.timeout.ms", "30000");
        Map<String, String> followers = new java.util.LinkedHashMap<>();
        followers.put(Leadership.COPY, followerUrl);
        followers.put("lite", "jdbc:sqlite:" + dir.resolve("bank.db"));
        if (kind == LeaderKind.POSTGRESQL) {
            followers.put(Leadership.ORIGIN, leaderUrl); // the other side of the switchovers
        }
        String yaml = EmbeddedStreamConfig.yaml("bank", broker.bootstrapServers(), kafka, registry.url(), leaderUrl, leaderUser(), tables,
                followers);
        if (kind == LeaderKind.POSTGRESQL) {
            // Every restart of capture resumes from the log with Tailwater's own pgoutput reader.
            yaml = yaml.replace("\nleader:\n", "\nleader:\n  decoder: tailwater\n");
        }
        this.configFile = dir.resolve("bank.yaml");
        Files.writeString(configFile, yaml);
        this.config = new ConfigLoader().parse(yaml);
        this.leadership = new Leadership(config, configFile, dir);
        try (Connection c = leader(); Statement st = c.createStatement()) {
            if (kind == LeaderKind.MARIADB) {
                st.execute("CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL)");
                st.execute("CREATE TABLE transfers (id bigint AUTO_INCREMENT PRIMARY KEY, from_id int NOT NULL, to_id int NOT NULL,"
                        + " amount bigint NOT NULL, at timestamp(6) NOT NULL DEFAULT current_timestamp(6))");
                st.execute("INSERT INTO accounts SELECT seq, " + TOTAL / ACCOUNTS + " FROM seq_1_to_" + ACCOUNTS);
                return;
            }
            st.execute("CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL)");
            st.execute("CREATE TABLE transfers (id bigserial PRIMARY KEY, from_id int NOT NULL, to_id int NOT NULL, amount bigint NOT NULL,"
                    + " at timestamptz NOT NULL DEFAULT now())");
            st.execute("INSERT INTO accounts SELECT g, " + TOTAL / ACCOUNTS + " FROM generate_series(1, " + ACCOUNTS + ") g");
        }
    }

    /** The repository root: the tests run in {@code tests/}. */
    /**
     * Runs the workload and {@code rounds} faults of each kind, in an order and at moments drawn
     * from the seed, then waits for everything to catch up and checks the promises.
     */
    Result run(int rounds, Duration atLeast) throws Exception {
        Random random = new Random(seed);
        TailwaterProcess capture = process("capture", "capture", "--config", configFile.toString(), "--startup-timeout", "120s");
        for (String f : Leadership.startingFollowers(config.followers())) {
            startApplier(f);
        }
        // The workload starts once the initial snapshot is done: a transaction committed while it runs is part of the
        // snapshot, not a transaction of its own in the log.
        awaitStreaming(Duration.ofMinutes(2));
        List<Thread> threads = new ArrayList<>();
        threads.add(thread("workload", this::workload));
        for (String f : config.followers().keySet()) {
            threads.add(thread("invariant-" + f, () -> watchInvariant(f)));
            threads.add(thread("position-" + f, () -> watchPosition(f)));
        }

        List<Fault> plan = new ArrayList<>();
        for (Fault f : Fault.of(kind)) {
            for (int i = 0; i < rounds(f, rounds); i++) {
                plan.add(f);
            }
        }
        Collections.shuffle(plan, random);
        int planned = plan.size();
        Map<Fault, Integer> done = new EnumMap<>(Fault.class);
        int switchovers = 0;
        Thread.sleep(5000);
        long runUntil = System.nanoTime() + atLeast.toNanos();
        long started = System.nanoTime();
        for (int i = 0; i < plan.size() || System.nanoTime() < runUntil; i++) {
            if (i == plan.size()) {
                List<Fault> more = new ArrayList<>(Fault.of(kind));
                Collections.shuffle(more, random);
                plan.addAll(more); // past the rounds asked for: one more of each kind until the time is up
            }
            Fault fault = plan.get(i);
            if (i > 0 && i % 100 == 0) {
                System.out.printf("  %d faults in %d s, %d leader transactions committed: %s%n", i,
                        (System.nanoTime() - started) / 1_000_000_000L, committed.size(), done);
            }
            // The planned rounds come densely (CI); past them, a soak spaces faults out so each part also runs a while.
            // Time is what is tested here: faults strike at random moments, not when some state is reached.
            Thread.sleep(i < planned ? 300 + random.nextInt(1500) : 1000 + random.nextInt(6000));
            switch (fault) {
                case KILL_CAPTURE -> capture.kill();
                case KILL_APPLIER -> {
                    List<String> running = appliers.keySet().stream().sorted().toList();
                    appliers.get(running.get(random.nextInt(running.size()))).kill();
                }
                case KILL_BROKER -> {
                    broker.kill();
                    Thread.sleep(random.nextInt(1000));
                    broker.startProcess();
                }
                case RESTART_FOLLOWER_DB -> followerPg.restart();
                case RESTART_LEADER_DB -> {
                    if (leaderMaria != null) {
                        leaderMaria.restart();
                    } else {
                        leaderPg.restart();
                    }
                }
                case PROMOTE -> {
                    if (leadership.switchOver(this::stopApplier, this::startApplier, violations)) {
                        switchovers++;
                    }
                }
            }
            done.merge(fault, 1, Integer::sum);
        }
        Thread.sleep(3000);
        stop.set(true);
        for (Thread t : threads) {
            t.join(60_000);
        }

        // Everything catches up: the log holds every committed leader transaction, the followers the whole log.
        Set<String> expected = new HashSet<>(committed);
        List<String> logged = awaitLogged(expected, Duration.ofMinutes(10));
        awaitCaughtUp(Duration.ofMinutes(10));
        List<TableComparison> comparisons = new ArrayList<>();
        for (String f : appliers.keySet()) {
            comparisons.addAll(StreamVerifier.compare(kind == LeaderKind.MARIADB ? config.leader() : leadership.leaderDatabase(),
                    config.follower(f), tables.stream().map(TableId::parse).toList()));
        }
        capture.close();
        for (TailwaterProcess a : appliers.values()) {
            a.close();
        }
        Set<String> distinct = new HashSet<>(logged);
        Set<String> missing = new HashSet<>(expected);
        missing.removeAll(distinct);
        Set<String> unexpected = new HashSet<>(distinct);
        unexpected.removeAll(expected);
        return new Result(done, switchovers, expected.size(), (int) inDoubtResolved.get(), invariantReads.get(), invariantViolations.get(),
                positionReads.get(), positionRegressions.get(), comparisons, logged.size(), logged.size() - distinct.size(), missing,
                unexpected);
    }

    List<String> violations() {
        return violations;
    }

    /** Starts the supervised applier process of a follower. */
    private void startApplier(String follower) {
        try {
            appliers.put(follower, process("apply-" + follower, "apply", "--config", configFile.toString(), "--follower", follower,
                    "--startup-timeout", "120s"));
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the applier of " + follower + ": " + e.getMessage(), e);
        }
    }

    /** Stops the applier process of a follower that became the leader (it stopped applying at the leader change). */
    private void stopApplier(String follower) {
        TailwaterProcess p = appliers.remove(follower);
        try {
            if (p != null) {
                p.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private TailwaterProcess process(String name, String... args) throws Exception {
        TailwaterProcess p = new TailwaterProcess(name, dir.resolve(name + ".log"), args);
        closeables.add(p);
        return p;
    }

    private Thread thread(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Transfers among two to four accounts, each with a row in transfers; the total never changes. */
    private void workload() {
        Random random = new Random(seed + 1);
        Connection c = null;
        String database = null;
        while (!stop.get()) {
            long xid = -1;
            boolean committing = false;
            boolean maria = kind == LeaderKind.MARIADB;
            try {
                if (c == null) {
                    database = maria ? MARIA_DB : leadership.leader();
                    c = maria ? leader() : DriverManager.getConnection(config.follower(database).jdbcUrl(), "postgres", "");
                    c.setAutoCommit(false);
                }
                try (Statement st = c.createStatement()) {
                    if (!maria) {
                        ResultSet rs = st.executeQuery("SELECT txid_current()");
                        rs.next();
                        xid = rs.getLong(1);
                    }
                    int n = 2 + random.nextInt(3);
                    List<Integer> ids = new ArrayList<>();
                    while (ids.size() < n) {
                        int id = 1 + random.nextInt(ACCOUNTS);
                        if (!ids.contains(id)) {
                            ids.add(id);
                        }
                    }
                    Collections.sort(ids); // one lock order: no deadlocks among our own transactions
                    for (int i = 0; i + 1 < ids.size(); i++) {
                        long amount = 1 + random.nextInt(100);
                        st.execute("UPDATE accounts SET balance = balance - " + amount + " WHERE id = " + ids.get(i));
                        st.execute("UPDATE accounts SET balance = balance + " + amount + " WHERE id = " + ids.get(i + 1));
                        st.execute("INSERT INTO transfers (from_id, to_id, amount) VALUES (" + ids.get(i) + ", " + ids.get(i + 1) + ", " + amount + ")");
                        if (maria && xid < 0) {
                            // A MariaDB leader's transaction is known by its first transfer's id: the GTID comes only with the commit.
                            ResultSet rs = st.executeQuery("SELECT LAST_INSERT_ID()");
                            rs.next();
                            xid = rs.getLong(1);
                        }
                    }
                }
                committing = true;
                c.commit();
                committed.add(database + ":" + xid);
                Thread.sleep(5 + random.nextInt(10));
            } catch (SQLException e) {
                closeQuietly(c);
                c = null;
                if (committing && xid >= 0) {
                    if (maria) {
                        resolveInDoubtByTransfer(xid);
                    } else {
                        resolveInDoubt(database, xid);
                    }
                }
                sleep(200);
            } catch (InterruptedException e) {
                return;
            }
        }
        closeQuietly(c);
    }

    /** A commit whose answer was lost with the connection: ask the leader what became of it. */
    private void resolveInDoubt(String database, long xid) {
        for (int attempt = 0; attempt < 200; attempt++) {
            try (Connection c = DriverManager.getConnection(config.follower(database).jdbcUrl(), "postgres", "");
                 PreparedStatement ps = c.prepareStatement("SELECT txid_status(?)")) {
                ps.setLong(1, xid);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if ("committed".equals(rs.getString(1))) {
                        committed.add(database + ":" + xid);
                    }
                    inDoubtResolved.incrementAndGet();
                    return;
                }
            } catch (SQLException e) {
                sleep(300);
            }
        }
        violations.add("could not learn whether leader transaction " + xid + " of " + database + " committed");
    }

    /** A MariaDB commit whose answer was lost: its first transfer is on the leader if and only if it committed. */
    private void resolveInDoubtByTransfer(long transfer) {
        for (int attempt = 0; attempt < 200; attempt++) {
            try (Connection c = leader(); PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM transfers WHERE id = ?")) {
                ps.setLong(1, transfer);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) == 1) {
                        committed.add(MARIA_DB + ":" + transfer);
                    }
                    inDoubtResolved.incrementAndGet();
                    return;
                }
            } catch (SQLException e) {
                sleep(300);
            }
        }
        violations.add("could not learn whether the leader transaction of transfer " + transfer + " committed");
    }

    /** The follower's name for a table of the bank: the leader's schema, or for a MariaDB leader its database, goes with it. */
    private String table(String follower, String table) {
        if (kind == LeaderKind.POSTGRESQL) {
            return table;
        }
        return config.follower(follower).jdbcUrl().startsWith("jdbc:postgresql:") ? MARIA_DB + "." + table : MARIA_DB + "_" + table;
    }

    /** Reads the follower's total over and over; it must always be the constant, once the accounts are there. */
    private void watchInvariant(String follower) {
        poll(follower, 20, c -> {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*), sum(balance) FROM " + table(follower, "accounts"))) {
                rs.next();
                if (rs.getInt(1) == ACCOUNTS) {
                    invariantReads.incrementAndGet();
                    if (rs.getLong(2) != TOTAL) {
                        invariantViolations.incrementAndGet();
                        violations.add(follower + " showed a total of " + rs.getLong(2));
                    }
                }
            }
        });
    }

    /** Reads the follower's stored position over and over; it must never go back. */
    private void watchPosition(String follower) {
        long[] highest = {-1};
        poll(follower, 100, c -> {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT log_offset FROM tailwater_position")) {
                if (rs.next()) {
                    long p = rs.getLong(1);
                    positionReads.incrementAndGet();
                    if (p < highest[0]) {
                        positionRegressions.incrementAndGet();
                        violations.add(follower + " position went back from " + highest[0] + " to " + p);
                    }
                    highest[0] = Math.max(highest[0], p);
                }
            }
        });
    }

    /** A read of a follower. */
    private interface Read {
        void run(Connection c) throws SQLException;
    }

    /**
     * Runs {@code read} on the follower every {@code millis} until the run stops, reconnecting when
     * the follower went away (it is restarted on purpose) and ignoring reads before the tables exist.
     */
    private void poll(String follower, long millis, Read read) {
        Connection c = null;
        while (!stop.get()) {
            try {
                if (c == null) {
                    c = follower(follower);
                }
                read.run(c);
                sleep(millis);
            } catch (SQLException e) {
                closeQuietly(c);
                c = null;
                sleep(200);
            }
        }
        closeQuietly(c);
    }

    /** Waits until capture streams (see {@link TestStream#isStreaming}). */
    private void awaitStreaming(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (TestStream.isStreaming(config)) {
                    return;
                }
            } catch (RuntimeException e) {
                // the topic is not there yet
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("capture did not start streaming within " + timeout);
    }

    /** Waits until the log holds every expected leader transaction; returns all leader transactions in the log, in order. */
    private List<String> awaitLogged(Set<String> expected, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> logged = List.of();
        while (System.nanoTime() < deadline) {
            logged = leaderTransactionsInLog();
            if (new HashSet<>(logged).containsAll(expected)) {
                return logged;
            }
            Thread.sleep(1000);
        }
        return logged;
    }

    /**
     * The leader transactions in the log, as {@code <database>:<xid>}: each epoch's leader is
     * named by its leader change. A MariaDB leader's are {@code bank:<first transfer id>}.
     */
    private List<String> leaderTransactionsInLog() {
        if (kind == LeaderKind.MARIADB) {
            return mariaDbTransactionsInLog();
        }
        try {
            List<String> ids = new ArrayList<>();
            String database = Leadership.ORIGIN;
            for (Map.Entry<Long, LogEvent> e : TestStream.readLog(config)) {
                switch (e.getValue()) {
                    case LeaderChange change -> database = Leadership.database(change.leader());
                    case TransactionEnd t when !t.source().snapshot() -> ids.add(database + ":" + t.source().txId());
                    default -> { }
                }
            }
            return ids;
        } catch (RuntimeException e) {
            return List.of(); // the broker is still coming back
        }
    }

    private List<String> mariaDbTransactionsInLog() {
        try {
            List<String> ids = new ArrayList<>();
            Long first = null;
            for (Map.Entry<Long, LogEvent> e : TestStream.readLog(config)) {
                switch (e.getValue()) {
                    case RowChange r when r.op() == Op.CREATE && r.table().id().table().equals("transfers") -> {
                        long id = ((Number) r.after()[0]).longValue();
                        first = first == null ? id : Math.min(first, id);
                    }
                    case TransactionEnd t -> {
                        if (!t.source().snapshot() && first != null) {
                            ids.add(MARIA_DB + ":" + first);
                        }
                        first = null;
                    }
                    default -> { }
                }
            }
            return ids;
        } catch (RuntimeException e) {
            return List.of(); // the broker is still coming back
        }
    }

    private void awaitCaughtUp(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                StatusReport report = StatusReport.read(config, Duration.ofSeconds(10));
                if (report.followers().stream().filter(r -> appliers.containsKey(r.follower()))
                        .allMatch(r -> r.lagRecords() == 0 && r.reportAgeMillis() < 2000)) {
                    return;
                }
            } catch (RuntimeException e) {
                // Kafka still coming back
            }
            Thread.sleep(1000);
        }
    }

    private Connection leader() throws SQLException {
        return DriverManager.getConnection(leaderUrl, leaderUser(), "");
    }

    private String leaderUser() {
        return kind == LeaderKind.MARIADB ? "root" : "postgres";
    }

    private Connection follower(String follower) throws SQLException {
        String url = config.follower(follower).jdbcUrl();
        return url.startsWith("jdbc:postgresql:") ? DriverManager.getConnection(url, "postgres", "") : DriverManager.getConnection(url);
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // going away anyway
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop.set(true);
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (Exception ignored) {
                // shutting down anyway
            }
        }
    }
}
