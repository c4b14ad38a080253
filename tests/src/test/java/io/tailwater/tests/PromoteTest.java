package io.tailwater.tests;

import io.tailwater.applier.Applier;
import io.tailwater.applier.verify.StreamVerifier;
import io.tailwater.applier.verify.TableComparison;
import io.tailwater.capture.Capture;
import io.tailwater.capture.CaptureFencedException;
import io.tailwater.capture.LeaderWrites;
import io.tailwater.cli.Main;
import io.tailwater.cli.StatusReport;
import io.tailwater.config.LeaderConfig;
import io.tailwater.embedded.EmbeddedPostgres;
import io.tailwater.failover.CurrentLeader;
import io.tailwater.failover.Promotion;
import io.tailwater.failover.PromotionException;
import io.tailwater.log.FollowerPosition;
import io.tailwater.log.FollowerState;
import io.tailwater.log.KafkaClients;
import io.tailwater.log.LogTopics;
import io.tailwater.log.StreamLeader;
import io.tailwater.log.FollowerWait;
import io.tailwater.schemas.TableId;
import io.tailwater.schemas.event.LeaderChange;
import io.tailwater.schemas.event.LogEvent;
import io.tailwater.schemas.event.Lsn;
import io.tailwater.schemas.event.RowChange;
import io.tailwater.schemas.event.TransactionEnd;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Promote: a PostgreSQL follower becomes the leader of a stream under load, by the same code path
 * as {@code tailwater promote}, and the log, the other followers and the new leader stay exact.
 */
@ExtendWith(SharedServices.class)
class PromoteTest {
    private static final int ACCOUNTS = 20;
    private static final long OPENING_BALANCE = 1000;
    private static final long TOTAL = ACCOUNTS * OPENING_BALANCE;
    private static final List<String> TABLES = List.of("public.accounts", "public.transfers");

    /**
     * Money moves between accounts, and every move records a transfer with a unique id, so every
     * committed state has the same total and every leader transaction can be counted. Midway, the
     * PostgreSQL follower "pg" is promoted and the writes move to it.
     */
    @Test
    void aPlannedSwitchoverUnderLoadLosesNothingAndNoFollowerSeesATornTransaction() throws Exception {
        String name = "switchover";
        String pg2 = SharedServices.get().follower().createDatabase(name + "_copy2");
        try (TestStream s = new TestStream(name, TABLES, false, "  pg2:\n    jdbc-url: " + pg2 + "\n    user: postgres\n")) {
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL)");
                st.execute("CREATE TABLE transfers (id bigint PRIMARY KEY, from_account int NOT NULL, to_account int NOT NULL,"
                        + " amount bigint NOT NULL)");
                st.execute("INSERT INTO accounts SELECT g, " + OPENING_BALANCE + " FROM generate_series(1, " + ACCOUNTS + ") g");
            }
            Capture oldCapture = s.startAll();
            Map<String, Applier> appliers = s.latestAppliers();
            // Threads of their own: the common pool has a single thread on two cores, and the readers never yield it.
            ExecutorService threads = Executors.newCachedThreadPool();

            AtomicBoolean done = new AtomicBoolean();
            AtomicReference<String> violation = new AtomicReference<>();
            AtomicLong checks = new AtomicLong();
            List<CompletableFuture<Void>> readers = new ArrayList<>();
            for (String follower : List.of("pg2", "lite")) {
                readers.add(CompletableFuture.runAsync(() -> readTotals(s, follower, done, violation, checks), threads));
            }

            Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
            Set<Long> uncertain = ConcurrentHashMap.newKeySet();
            AtomicLong nextTransfer = new AtomicLong(1);
            AtomicBoolean writing = new AtomicBoolean(true);
            CountDownLatch halfway = new CountDownLatch(150);
            CompletableFuture<Void> workload = CompletableFuture.runAsync(() -> {
                try {
                    write(s, writing, nextTransfer, acknowledged, uncertain, halfway);
                } catch (Exception e) {
                    violation.compareAndSet(null, "workload failed: " + e);
                }
            }, threads);

            assertThat(halfway.await(60, TimeUnit.SECONDS)).as("the workload committed 150 transfers (%s)", violation.get()).isTrue();
            Promotion.Result result = new Promotion(s.config, new Promotion.Options("pg", Duration.ofSeconds(10), Duration.ofSeconds(60),
                    Duration.ofSeconds(60))).run();
            assertThat(result.planned()).isTrue();
            assertThat(result.epoch()).isEqualTo(1);
            assertThat(result.oldLeader()).isEqualTo(StreamLeader.CONFIGURED_NAME);

            // The old capture was fenced; the promoted follower's applier stopped at the leader change.
            assertThat(oldCapture.awaitTerminationWithin(Duration.ofSeconds(30))).isTrue();
            assertThat(oldCapture.failure()).get().isInstanceOf(CaptureFencedException.class);
            assertThat(appliers.get("pg").awaitTerminationWithin(Duration.ofSeconds(30))).isTrue();
            assertThat(appliers.get("pg").failure()).isEmpty();
            assertThat(appliers.get("pg").state()).isEqualTo(FollowerState.LEADER);
            // The old leader takes no more writes.
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                assertThat(catchSql(() -> st.execute("UPDATE accounts SET balance = balance WHERE id = 1"))).contains("read-only");
            }

            Capture newCapture = s.startCapture(); // reads the new leader from the log
            long afterPromote = nextTransfer.get();
            long moved = Poll.until(Duration.ofSeconds(60), Duration.ofMillis(100),
                    () -> acknowledged.stream().filter(id -> id >= afterPromote).count(), n -> n >= 150);
            assertThat(moved).as("transfers committed on the new leader (workload: " + violation.get() + ")").isGreaterThanOrEqualTo(150);
            writing.set(false);
            workload.get(60, TimeUnit.SECONDS);
            assertThat(newCapture.failure()).isEmpty();

            LeaderConfig newLeader = s.config.leader().on(s.config.follower("pg"));
            Set<Long> onNewLeader = transferIds(s, "pg");
            Set<Long> logged = Poll.until(Duration.ofSeconds(60), Duration.ofMillis(200), () -> transfersInLog(s).keySet(),
                    ids -> ids.containsAll(onNewLeader));
            assertThat(difference(onNewLeader, logged)).as("transfers on the new leader that capture did not log (%s; capture %s)",
                    StatusReport.read(s.config, Duration.ofSeconds(10)).render() + logSummary(s), newCapture.failure()).isEmpty();
            s.awaitCaughtUpFollowers(List.of("pg2", "lite"), Duration.ofSeconds(120));
            done.set(true);
            for (CompletableFuture<Void> r : readers) {
                r.get(30, TimeUnit.SECONDS);
            }
            assertThat(violation.get()).isNull();
            assertThat(checks.get()).isPositive();

            // Every acknowledged transfer is on the new leader; the uncertain ones (the switchover ended their sessions) may be.
            assertThat(onNewLeader).containsAll(acknowledged);
            assertThat(uncertain).containsAll(difference(onNewLeader, acknowledged));
            // Every leader transaction is in the log exactly once, across both epochs, and the epochs are in order.
            List<Map.Entry<Long, LogEvent>> log = s.readLog();
            Map<Long, Integer> transfersInLog = transfersInLog(s);
            List<LeaderChange> changes = new ArrayList<>();
            int epoch = 0;
            for (Map.Entry<Long, LogEvent> e : log) {
                switch (e.getValue()) {
                    case RowChange r when r.table().id().table().equals("transfers") -> {
                        assertThat(r.source().epoch()).as("epoch of the row at offset " + e.getKey()).isEqualTo(epoch);
                    }
                    case TransactionEnd t -> assertThat(t.source().epoch()).as("epoch of offset " + e.getKey()).isEqualTo(epoch);
                    case LeaderChange c -> {
                        changes.add(c);
                        epoch = c.epoch();
                        assertThat(c.takeoverOffset()).isEqualTo(e.getKey());
                    }
                    default -> { }
                }
            }
            assertThat(changes).hasSize(1);
            assertThat(changes.getFirst().leader()).isEqualTo("pg");
            assertThat(changes.getFirst().planned()).isTrue();
            assertThat(difference(transfersInLog.keySet(), onNewLeader)).as("transfers in the log that the new leader lacks").isEmpty();
            assertThat(transfersInLog.entrySet()).filteredOn(e -> e.getValue() != 1).as("transfers logged more than once").isEmpty();
            // At the end every follower equals the new leader.
            List<TableComparison> diffs = new ArrayList<>();
            for (String f : List.of("pg2", "lite")) {
                diffs.addAll(StreamVerifier.compare(newLeader, s.config.follower(f), TABLES.stream().map(TableId::parse).toList()));
            }
            assertThat(diffs).isNotEmpty().allMatch(TableComparison::matches, "equal to the new leader");
            // Read-your-writes on the new leader: an LSN of the new leader is awaited in its epoch, not against the old one's LSNs.
            try (FollowerWait wait = new FollowerWait(s.config);
                 Connection c = s.follower("pg"); Statement st = c.createStatement()) {
                st.execute("INSERT INTO transfers VALUES (1000000, 1, 1, 0)");
                long lsn;
                try (ResultSet rs = st.executeQuery("SELECT pg_current_wal_lsn()::text")) {
                    rs.next();
                    lsn = Lsn.parse(rs.getString(1));
                }
                FollowerWait.Result waited = wait.await(lsn, List.of("pg2", "lite"), 2, Duration.ofSeconds(30));
                assertThat(waited.reached()).containsExactlyInAnyOrder("pg2", "lite");
                assertThat(waited.missing()).isEmpty();
                assertThat(transferIds(s, "pg2")).contains(1_000_000L);
            }
            // The command line reports the new leader.
            StringWriter out = new StringWriter();
            assertThat(Main.run(new PrintWriter(out), new PrintWriter(new StringWriter()), "leader", "--config", s.configFile.toString()))
                    .isZero();
            assertThat(out.toString().trim()).isEqualTo("pg " + newLeader.jdbcUrl());
            // The old leader rejoins as follower "old": a switchover lost nothing, so it only takes its position, and then
            // applies the new leader's writes until it equals the new leader.
            s.addFollower("old", s.leaderUrl);
            java.nio.file.Path report = java.nio.file.Files.createTempDirectory("tailwater-rejoin").resolve("lost.jsonl");
            out = new StringWriter();
            StringWriter err = new StringWriter();
            assertThat(Main.run(new PrintWriter(out), new PrintWriter(err), "rejoin", "--config", s.configFile.toString(),
                    "--follower", "old", "--report", report.toString())).as(err.toString()).isZero();
            assertThat(out.toString()).contains("follower 'old' (the leader of epoch 0) is a follower of stream 'switchover'")
                    .contains("lost writes: none");
            assertThat(java.nio.file.Files.readString(report)).isEmpty();
            s.startApplier("old");
            s.awaitCaughtUpFollowers(List.of("old"), Duration.ofSeconds(120));
            assertThat(StreamVerifier.compare(newLeader, s.config.follower("old"), TABLES.stream().map(TableId::parse).toList()))
                    .isNotEmpty().allMatch(TableComparison::matches, "the rejoined old leader equals the new leader");
            // And it can lead again: a switchover back to it makes its database writable for clients.
            Promotion.Result back = new Promotion(s.config, new Promotion.Options("old", Duration.ofSeconds(10), Duration.ofSeconds(60),
                    Duration.ofSeconds(60))).run();
            assertThat(back.planned()).isTrue();
            assertThat(back.epoch()).isEqualTo(2);
            assertThat(CurrentLeader.read(s.config, Duration.ofSeconds(10)).name()).isEqualTo("old");
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("INSERT INTO transfers VALUES (2000000, 1, 1, 0)");
            }
            // The leader it took over from is read-only for clients (the applier's own sessions may write).
            try (Connection c = DriverManager.getConnection(s.config.follower("pg").jdbcUrl(), "postgres", "");
                 Statement st = c.createStatement()) {
                assertThat(catchSql(() -> st.execute("INSERT INTO transfers VALUES (2000001, 1, 1, 0)"))).contains("read-only");
            }
        }
    }

    @Test
    void ofTwoRacingPromotesExactlyOneWinsAndTheOtherNamesTheWinner() throws Exception {
        String name = "racing";
        String pg2 = SharedServices.get().follower().createDatabase(name + "_copy2");
        try (TestStream s = new TestStream(name, List.of("public.items"), false, "  pg2:\n    jdbc-url: " + pg2 + "\n    user: postgres\n")) {
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE items (id int PRIMARY KEY, name text)");
                st.execute("INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 100) g");
            }
            s.startAll();
            s.awaitCaughtUp(Duration.ofSeconds(60));
            ExecutorService threads = Executors.newFixedThreadPool(2);
            CountDownLatch go = new CountDownLatch(1);
            Map<String, CompletableFuture<Promotion.Result>> promotes = new HashMap<>();
            for (String candidate : List.of("pg", "pg2")) {
                promotes.put(candidate, CompletableFuture.supplyAsync(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    return new Promotion(s.config, new Promotion.Options(candidate, Duration.ofSeconds(10), Duration.ofSeconds(60),
                            Duration.ofSeconds(60))).run();
                }, threads));
            }
            go.countDown();
            List<String> winners = new ArrayList<>();
            Map<String, Throwable> losers = new HashMap<>();
            for (Map.Entry<String, CompletableFuture<Promotion.Result>> p : promotes.entrySet()) {
                try {
                    p.getValue().get(120, TimeUnit.SECONDS);
                    winners.add(p.getKey());
                } catch (ExecutionException e) {
                    losers.put(p.getKey(), e.getCause());
                }
            }
            assertThat(winners).hasSize(1);
            String winner = winners.getFirst();
            String loser = winner.equals("pg") ? "pg2" : "pg";
            assertThat(losers.get(loser)).isInstanceOf(PromotionException.class)
                    .hasMessageContaining("another promote of stream 'racing' won").hasMessageContaining("follower '" + winner + "'");
            List<LeaderChange> changes = s.readLog().stream().map(Map.Entry::getValue)
                    .filter(LeaderChange.class::isInstance).map(LeaderChange.class::cast).toList();
            assertThat(changes).extracting(LeaderChange::leader).containsExactly(winner);
            assertThat(CurrentLeader.read(s.config, Duration.ofSeconds(10)).name()).isEqualTo(winner);
            // The loser left no replication slot behind on its follower.
            try (Connection c = s.follower(loser);
                 Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_replication_slots WHERE database = current_database()"
                         + " AND slot_name LIKE 'tailwater_racing%'")) {
                rs.next();
                assertThat(rs.getInt(1)).isZero();
            }
        }
    }

    /**
     * The leader is killed (SIGKILL of its postmaster) after writes that capture never logged:
     * promote takes over with what the log holds, says which position it had, and the stream
     * goes on from the new leader. The unlogged writes are on neither follower nor the new leader.
     * The old leader, started again, rejoins: its report lists exactly the unlogged writes, and
     * afterwards it equals the new leader.
     */
    @Test
    void aFailoverAfterTheLeaderIsKilledGoesOnFromWhatTheLogHoldsAndTheOldLeaderRejoins() throws Exception {
        String name = "failover";
        List<String> tables = List.of("public.items", "public.tags");
        try (EmbeddedPostgres leaderServer = EmbeddedPostgres.start();
             TestStream s = new TestStream(name, tables, leaderServer, "")) {
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE items (id int PRIMARY KEY, name text)");
                st.execute("INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 100) g");
                st.execute("CREATE TABLE tags (item int, tag text, PRIMARY KEY (item, tag))");
                st.execute("INSERT INTO tags SELECT g, 'tag ' || (g % 3) FROM generate_series(1, 30) g");
            }
            Capture capture = s.startAll();
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("INSERT INTO items SELECT g, 'logged ' || g FROM generate_series(101, 150) g");
                st.execute("UPDATE items SET name = 'logged update' WHERE id = 6");
            }
            s.awaitCaughtUp(Duration.ofSeconds(60));
            s.stop(capture);
            // Writes capture never logs: an insert of ten rows, updates, a delete, a key change, a truncate.
            Map<Long, List<String>> lostChanges = new HashMap<>();
            for (String sql : List.of("INSERT INTO items SELECT g, 'never logged ' || g FROM generate_series(151, 160) g",
                    "UPDATE items SET name = 'lost update' WHERE id IN (5, 6)", "DELETE FROM items WHERE id = 7",
                    "UPDATE items SET id = 1008 WHERE id = 8", "TRUNCATE tags")) {
                try (Connection c = s.leader(); Statement st = c.createStatement()) {
                    c.setAutoCommit(false);
                    long xid = TestStream.currentXid(st);
                    st.execute(sql);
                    c.commit();
                    lostChanges.put(xid, switch (sql.substring(0, 6)) {
                        case "INSERT" -> java.util.stream.IntStream.rangeClosed(151, 160)
                                .mapToObj(i -> "public.items insert {\"id\":\"" + i + "\"}").toList();
                        case "UPDATE" -> sql.contains("1008") ? List.of("public.items update {\"id\":\"1008\"} {\"id\":\"8\"}")
                                : List.of("public.items update {\"id\":\"5\"}", "public.items update {\"id\":\"6\"}");
                        case "DELETE" -> List.of("public.items delete {\"id\":\"7\"}");
                        default -> List.of("public.tags truncate");
                    });
                }
            }
            leaderServer.kill();

            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int exit = Main.run(new PrintWriter(out), new PrintWriter(err), "promote", "--config", s.configFile.toString(),
                    "--follower", "pg");
            assertThat(exit).as(err.toString()).isZero();
            assertThat(out.toString()).contains("follower 'pg' is the leader of stream 'failover'")
                    .contains("FAILOVER: the old leader 'leader' did not answer").contains("may be lost");
            LeaderChange change = s.readLog().stream().map(Map.Entry::getValue).filter(LeaderChange.class::isInstance)
                    .map(LeaderChange.class::cast).findFirst().orElseThrow();
            assertThat(change.planned()).isFalse();
            assertThat(change.lastOldLeaderPosition().epoch()).isZero();
            assertThat(s.latestAppliers().get("pg").awaitTerminationWithin(Duration.ofSeconds(30))).isTrue();
            assertThat(s.latestAppliers().get("pg").state()).isEqualTo(FollowerState.LEADER);

            s.startCapture();
            LeaderConfig newLeader = s.config.leader().on(s.config.follower("pg"));
            try (Connection c = s.follower("pg"); Statement st = c.createStatement()) {
                st.execute("INSERT INTO items SELECT g, 'after failover ' || g FROM generate_series(151, 170) g");
                st.execute("UPDATE items SET name = 'new leader' WHERE id = 5");
            }
            Poll.until(Duration.ofSeconds(60), Duration.ofMillis(200), () -> rowCount(s, "lite"), n -> n == 170);
            s.awaitCaughtUpFollowers(List.of("lite"), Duration.ofSeconds(60));
            List<TableId> ids = tables.stream().map(TableId::parse).toList();
            assertThat(StreamVerifier.compare(newLeader, s.config.follower("lite"), ids)).isNotEmpty().allMatch(TableComparison::matches);
            // The failover point printed is the last position the old leader logged, and ids 151 to 160 are the new leader's rows.
            assertThat(out.toString()).contains("after LSN " + Lsn.format(change.lastOldLeaderPosition().lsn()) + " ");
            try (Connection c = s.follower("lite"); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM items WHERE id BETWEEN 151 AND 160 AND name LIKE 'after failover%'")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(10);
            }

            // The old leader is back: it rejoins as follower "old", and its report lists exactly the writes the log lacks.
            leaderServer.restart();
            s.addFollower("old", s.leaderUrl);
            java.nio.file.Path report = java.nio.file.Files.createTempDirectory("tailwater-rejoin").resolve("lost.jsonl");
            out = new StringWriter();
            err = new StringWriter();
            exit = Main.run(new PrintWriter(out), new PrintWriter(err), "rejoin", "--config", s.configFile.toString(),
                    "--follower", "old", "--report", report.toString());
            assertThat(exit).as(err.toString()).isZero();
            int lostRows = lostChanges.values().stream().mapToInt(List::size).sum();
            assertThat(out.toString()).contains("follower 'old' (the leader of epoch 0) is a follower of stream 'failover' from log offset "
                    + change.takeoverOffset()).contains("LOST WRITES: 5 transactions (" + lostRows + " row changes)");
            Map<Long, List<String>> reported = new HashMap<>();
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            for (String line : java.nio.file.Files.readAllLines(report)) {
                com.fasterxml.jackson.databind.JsonNode n = json.readTree(line);
                assertThat(n.get("commit_time").asText()).isNotEmpty();
                assertThat(Lsn.parse(n.get("commit_lsn").asText())).isGreaterThan(change.lastOldLeaderPosition().lsn());
                String what = n.get("table").asText() + " " + n.get("op").asText() + (n.has("key") ? " " + n.get("key") : "")
                        + (n.has("old_key") ? " " + n.get("old_key") : "");
                reported.computeIfAbsent(n.get("xid").asLong(), x -> new ArrayList<>()).add(what);
            }
            assertThat(reported).isEqualTo(lostChanges);
            // Its clients may no longer write; its slot is gone.
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                assertThat(catchSql(() -> st.execute("UPDATE items SET name = 'split brain' WHERE id = 1"))).contains("read-only");
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_replication_slots")) {
                    rs.next();
                    assertThat(rs.getInt(1)).isZero();
                }
            }
            // It applies the log from the leader change on, and then equals the new leader.
            s.startApplier("old");
            s.awaitCaughtUpFollowers(List.of("old"), Duration.ofSeconds(60));
            assertThat(StreamVerifier.compare(newLeader, s.config.follower("old"), ids)).isNotEmpty().allMatch(TableComparison::matches);
            // A second rejoin changes nothing.
            out = new StringWriter();
            assertThat(Main.run(new PrintWriter(out), new PrintWriter(err), "rejoin", "--config", s.configFile.toString(),
                    "--follower", "old", "--report", report.toString())).isZero();
            assertThat(out.toString()).contains("has rejoined stream 'failover' already");
        }
    }

    /**
     * After a promote the new leader's LSNs start anywhere: an await compares positions of the
     * newest epoch only, so a follower still on the old leader's larger LSNs does not have the write.
     */
    @Test
    void anAwaitComparesLsnsOnlyWithinTheNewestEpoch() throws Exception {
        try (TestStream s = new TestStream("awaitepochs", List.of("public.items"))) {
            LogTopics.ensure(s.config, Duration.ofSeconds(30));
            long now = System.currentTimeMillis();
            try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(s.config, "test-positions", Map.of(), Map.of())) {
                // "pg" still reports the old leader at LSN 9,000,000; "lite" has the new leader's LSN 5,000.
                for (FollowerPosition p : List.of(
                        new FollowerPosition("pg", 10, 11, -1, 0, 9_000_000, "7", 0, now, FollowerState.STREAMING, null, null),
                        new FollowerPosition("lite", 12, 13, -1, 1, 5_000, "8", 0, now, FollowerState.STREAMING, null, null))) {
                    producer.send(new ProducerRecord<>(s.config.positionsTopic(), p.follower().getBytes(StandardCharsets.UTF_8),
                            p.toJson())).get();
                }
            }
            try (FollowerWait wait = new FollowerWait(s.config)) {
                FollowerWait.Result r = wait.await(4_000, List.of("pg", "lite"), 2, Duration.ofSeconds(2));
                assertThat(r.reached()).containsExactly("lite");
                assertThat(r.missing()).containsOnlyKeys("pg");
                assertThat(wait.await(6_000, List.of("lite"), 1, Duration.ofMillis(500)).reached()).isEmpty();
            }
        }
    }

    /** Moves money and records a transfer per transaction, on whichever database the log names the leader, until told to stop. */
    private static void write(TestStream s, AtomicBoolean writing, AtomicLong nextTransfer, Set<Long> acknowledged, Set<Long> uncertain,
                              CountDownLatch halfway) throws Exception {
        Random random = new Random(11);
        String url = s.leaderUrl;
        while (writing.get()) {
            try (Connection c = DriverManager.getConnection(url, "postgres", "")) {
                c.setAutoCommit(false);
                try (PreparedStatement move = c.prepareStatement("UPDATE accounts SET balance = balance + ? WHERE id = ?");
                     PreparedStatement record = c.prepareStatement("INSERT INTO transfers VALUES (?, ?, ?, ?)")) {
                    while (writing.get()) {
                        long id = nextTransfer.getAndIncrement();
                        int from = 1 + random.nextInt(ACCOUNTS);
                        int to = 1 + random.nextInt(ACCOUNTS);
                        long amount = 1 + random.nextInt(50);
                        uncertain.add(id);
                        move.setLong(1, -amount);
                        move.setInt(2, from);
                        move.executeUpdate();
                        move.setLong(1, amount);
                        move.setInt(2, to);
                        move.executeUpdate();
                        record.setLong(1, id);
                        record.setInt(2, from);
                        record.setInt(3, to);
                        record.setLong(4, amount);
                        record.executeUpdate();
                        c.commit();
                        uncertain.remove(id);
                        acknowledged.add(id);
                        halfway.countDown();
                    }
                }
            } catch (SQLException e) {
                // The switchover ended the session or made the database read-only: find the leader the log names, and go on there.
                url = Poll.until(Duration.ofSeconds(60), Duration.ofMillis(100), () -> {
                    CurrentLeader leader = CurrentLeader.read(s.config, Duration.ofSeconds(10));
                    return LeaderWrites.writable(leader.database(), Duration.ofSeconds(5)) ? leader.database().jdbcUrl() : null;
                }, u -> u != null);
                if (url == null) {
                    throw new IllegalStateException("no writable leader within 60 s after: " + e.getMessage(), e);
                }
            }
        }
    }

    /** Polls the total of a follower's accounts; any total but {@link #TOTAL} (once the accounts are there) is a torn transaction. */
    private static void readTotals(TestStream s, String follower, AtomicBoolean done, AtomicReference<String> violation, AtomicLong checks) {
        try (Connection f = s.follower(follower)) {
            while (!done.get() && violation.get() == null) {
                try (Statement st = f.createStatement();
                     ResultSet rs = st.executeQuery("SELECT count(*), coalesce(sum(balance), 0) FROM accounts")) {
                    rs.next();
                    if (rs.getLong(1) == ACCOUNTS) {
                        checks.incrementAndGet();
                        if (rs.getLong(2) != TOTAL) {
                            violation.set("follower " + follower + " showed a total of " + rs.getLong(2) + " instead of " + TOTAL);
                        }
                    }
                } catch (SQLException e) {
                    if (!"42P01".equals(e.getSQLState()) && !e.getMessage().contains("no such table")) {
                        throw e;
                    }
                }
            }
        } catch (Exception e) {
            violation.compareAndSet(null, "reader of " + follower + " failed: " + e);
        }
    }

    private static String logSummary(TestStream s) {
        Map<String, Integer> counts = new java.util.TreeMap<>();
        for (Map.Entry<Long, LogEvent> e : s.readLog()) {
            String key = switch (e.getValue()) {
                case RowChange r -> "e" + r.source().epoch() + " " + r.table().id().table() + " " + r.op()
                        + (r.table().id().table().equals("transfers") && r.after() != null ? " " + (((Number) r.after()[0]).longValue() / 100) : "");
                case TransactionEnd t -> "e" + t.source().epoch() + " txend";
                default -> e.getValue().getClass().getSimpleName();
            };
            counts.merge(key, 1, Integer::sum);
        }
        return counts.toString();
    }

    /** How often the log holds the insert of each transfer. */
    private static Map<Long, Integer> transfersInLog(TestStream s) {
        Map<Long, Integer> counts = new HashMap<>();
        for (Map.Entry<Long, LogEvent> e : s.readLog()) {
            if (e.getValue() instanceof RowChange r && r.table().id().table().equals("transfers") && r.after() != null) {
                counts.merge(((Number) r.after()[0]).longValue(), 1, Integer::sum);
            }
        }
        return counts;
    }

    private static long rowCount(TestStream s, String follower) {
        try (Connection c = s.follower(follower); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM items")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            return -1; // the table is not there yet
        }
    }

    private static Set<Long> transferIds(TestStream s, String follower) throws SQLException {
        Set<Long> ids = new HashSet<>();
        try (Connection c = s.follower(follower); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT id FROM transfers")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    private static Set<Long> difference(Set<Long> a, Set<Long> b) {
        Set<Long> d = new HashSet<>(a);
        d.removeAll(b);
        return d;
    }

    private interface SqlAction {
        void run() throws SQLException;
    }

    /** The message of the SQL error {@code action} raises, or "" when it raises none. */
    private static String catchSql(SqlAction action) {
        try {
            action.run();
            return "";
        } catch (SQLException e) {
            return e.getMessage();
        }
    }
}
