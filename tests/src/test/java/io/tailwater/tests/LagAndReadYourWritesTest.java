package io.tailwater.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tailwater.applier.Applier;
import io.tailwater.cli.Main;
import io.tailwater.cli.StatusReport;
import io.tailwater.log.FollowerState;
import io.tailwater.log.FollowerWait;
import io.tailwater.log.KafkaClients;
import io.tailwater.schemas.event.Lsn;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@code tailwater status} reports for a stopped, a caught-up and a catching-up follower,
 * and read-your-writes with {@link FollowerWait} and {@code tailwater await}.
 */
@ExtendWith(SharedServices.class)
class LagAndReadYourWritesTest {
    private static final String TABLE = "public.notes";

    @Test
    void statusReportsLagOfStoppedAndCaughtUpFollowersWhileTheLeaderIsIdle() throws Exception {
        try (TestStream s = new TestStream("lagidle", List.of(TABLE))) {
            createTable(s);
            s.startCapture();
            s.startApplier("pg");
            Applier lite = s.startApplier("lite");
            s.awaitSnapshotComplete(Duration.ofSeconds(60));
            insert(s, 0, 50, 10);
            s.awaitCaughtUp(Duration.ofSeconds(30));
            s.stop(lite);
            insert(s, 50, 100, 10);
            Thread.sleep(6000); // the leader is idle from here on; heartbeats keep coming

            StatusReport report = StatusReport.read(s.config, Duration.ofSeconds(10));
            StatusReport.Row pg = row(report, "pg");
            StatusReport.Row stopped = row(report, "lite");

            assertThat(pg.state()).isEqualTo(FollowerState.STREAMING);
            assertThat(pg.lagRecords()).as("caught up, at most one heartbeat behind").isLessThanOrEqualTo(1);
            assertThat(pg.lagMillis()).as("an idle leader does not make a caught-up follower look behind")
                    .isBetween(0L, 1500L);
            assertThat(pg.appliedLsn()).isNotNull();

            assertThat(stopped.state()).isEqualTo(FollowerState.STOPPED);
            long consumed = stopped.appliedOffset() + 1;
            Unapplied unapplied = unapplied(s, consumed, report.logEndOffset());
            assertThat(stopped.lagRecords()).as("offsets not applied: records, and the transaction markers among them")
                    .isBetween(unapplied.records(), report.logEndOffset() - consumed);
            assertThat(stopped.lagBytes()).as("the bytes of the records it has not applied").isEqualTo(unapplied.bytes());
            assertThat(stopped.lagMillis()).as("stopped for 6 s, heartbeats make that visible").isBetween(5000L, 20_000L);

            StringWriter out = new StringWriter();
            int code = Main.run(new PrintWriter(out), new PrintWriter(new StringWriter()), "status", "-c", s.configFile.toString(),
                    "--json", "--max-lag", "3s");
            assertThat(code).as("lite lags beyond --max-lag 3s").isEqualTo(1);
            JsonNode json = new ObjectMapper().readTree(out.toString());
            JsonNode liteJson = json.get("followers").get(1);
            assertThat(liteJson.get("follower").asText()).isEqualTo("lite");
            assertThat(liteJson.get("state").asText()).isEqualTo("STOPPED");
            assertThat(liteJson.get("lagBytes").asLong()).isPositive();
            assertThat(Main.run(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()), "status", "-c",
                    s.configFile.toString(), "--max-lag", "1000000")).as("within a lag of 1,000,000 records").isZero();
        }
    }

    @Test
    void statusReportsLagOfAFollowerCatchingUp() throws Exception {
        try (TestStream s = new TestStream("lagcatch", List.of(TABLE))) {
            createTable(s);
            s.startCapture();
            Applier pg = s.startApplier("pg");
            s.awaitSnapshotComplete(Duration.ofSeconds(60));
            insert(s, 0, 10, 10);
            s.awaitCaughtUp(Duration.ofSeconds(30));
            s.stop(pg);
            // Time is the condition here: the lag in ms asserted below must see at least 1.5 s of leader time
            // between the last transaction the follower applied and the backlog.
            Thread.sleep(1500);
            int loggedBefore = s.leaderTransactionsInLog().size();
            insert(s, 10, 20_010, 100);
            s.awaitTransactionsInLog(loggedBefore + 200, Duration.ofSeconds(120)); // the whole backlog: 200 leader transactions

            // Hold the applier inside its first group: the follower table is locked.
            try (Connection lock = s.follower("pg")) {
                lock.setAutoCommit(false);
                try (Statement st = lock.createStatement()) {
                    st.execute("LOCK TABLE public.notes IN ACCESS EXCLUSIVE MODE");
                }
                s.startApplier("pg");
                StatusReport report = s.awaitFollowerState("pg", FollowerState.CATCHING_UP, Duration.ofSeconds(30));
                StatusReport.Row row = row(report, "pg");
                assertThat(row.lagRecords()).as("20,000 rows in 200 transactions not applied").isGreaterThan(20_000);
                Unapplied unapplied = unapplied(s, row.appliedOffset() + 1, report.logEndOffset());
                assertThat(row.lagRecords()).isBetween(unapplied.records(), report.logEndOffset() - row.appliedOffset() - 1);
                assertThat(row.lagBytes()).isEqualTo(unapplied.bytes());
                assertThat(row.lagMillis()).as("the backlog was written at least 1.5 s after what it applied").isGreaterThanOrEqualTo(1500);
                lock.rollback();
            }
            s.awaitCaughtUp(Duration.ofSeconds(60));
            StatusReport.Row done = row(StatusReport.read(s.config, Duration.ofSeconds(10)), "pg");
            assertThat(done.state()).isEqualTo(FollowerState.STREAMING);
            assertThat(done.lagRecords()).isLessThanOrEqualTo(1);
            assertThat(done.lagMillis()).isLessThanOrEqualTo(1500);
            assertThat(count(s.follower("pg"))).isEqualTo(20_010);
        }
    }

    @Test
    void aWriteAwaitedOnTheFollowersIsAlwaysThereToRead() throws Exception {
        try (TestStream s = new TestStream("ryw", List.of(TABLE))) {
            createTable(s);
            s.startAll();
            List<Long> waits = new ArrayList<>();
            try (Connection leader = s.leader(); Connection pg = s.follower("pg"); Connection lite = s.follower("lite");
                 FollowerWait wait = new FollowerWait(s.config)) {
                for (int i = 0; i < 200; i++) {
                    long lsn = writeAndReadLsn(leader, i);
                    long start = System.nanoTime();
                    FollowerWait.Result result = wait.await(lsn, List.of("pg", "lite"), 2, Duration.ofSeconds(10));
                    waits.add((System.nanoTime() - start) / 1000);
                    assertThat(result.reached()).as("write %d at %s", i, Lsn.format(lsn)).containsExactlyInAnyOrder("pg", "lite");
                    assertThat(hasRow(pg, i)).as("write %d on pg after the wait", i).isTrue();
                    assertThat(hasRow(lite, i)).as("write %d on lite after the wait", i).isTrue();
                }
            }
            Collections.sort(waits);
            System.out.printf("await for both followers (us): p50 %d, p95 %d, p99 %d, max %d%n", waits.get(100), waits.get(190),
                    waits.get(198), waits.get(199));

            try (Connection leader = s.leader()) {
                long lsn = writeAndReadLsn(leader, 1000);
                StringWriter out = new StringWriter();
                assertThat(Main.run(new PrintWriter(out), new PrintWriter(new StringWriter()), "await", "-c", s.configFile.toString(),
                        "--lsn", Lsn.format(lsn), "--followers", "pg,lite", "--timeout", "10s")).isZero();
                assertThat(out.toString()).contains("applied on");
                assertThat(hasRow(s.follower("pg"), 1000)).isTrue();
            }
        }
    }

    @Test
    void awaitTimesOutNamingTheFollowerThatLacksTheWrite() throws Exception {
        try (TestStream s = new TestStream("rywstop", List.of(TABLE))) {
            createTable(s);
            s.startCapture();
            s.startApplier("pg");
            Applier lite = s.startApplier("lite");
            s.awaitSnapshotComplete(Duration.ofSeconds(60));
            s.stop(lite);
            try (Connection leader = s.leader()) {
                String lsn = Lsn.format(writeAndReadLsn(leader, 1));
                StringWriter err = new StringWriter();
                int code = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "await", "-c", s.configFile.toString(),
                        "--lsn", lsn, "--followers", "pg,lite", "--timeout", "3s");
                assertThat(code).isEqualTo(1);
                assertThat(err.toString()).contains("timed out after 3s", "is on 1 of the 2 followers required (pg)", "lite: at ", "STOPPED");

                assertThat(Main.run(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()), "await", "-c",
                        s.configFile.toString(), "--lsn", lsn, "--followers", "pg,lite", "--at-least", "1", "--timeout", "10s"))
                        .as("semi-synchronous: one follower is enough").isZero();
                StringWriter bad = new StringWriter();
                assertThat(Main.run(new PrintWriter(new StringWriter()), new PrintWriter(bad), "await", "-c", s.configFile.toString(),
                        "--lsn", "banana")).isEqualTo(2);
                assertThat(bad.toString()).contains("'banana' is not a PostgreSQL LSN");
            }
        }
    }

    private static StatusReport.Row row(StatusReport report, String follower) {
        return report.follower(follower);
    }

    /** How many log records there are in [from, to), and the sum of their value sizes. */
    private record Unapplied(long records, long bytes) {
    }

    private static Unapplied unapplied(TestStream s, long from, long to) {
        long bytes = 0;
        long records = 0;
        try (KafkaConsumer<byte[], byte[]> c = KafkaClients.consumer(s.config, "test-bytes", Map.of())) {
            TopicPartition tp = new TopicPartition(s.config.logTopic(), 0);
            c.assign(List.of(tp));
            c.seek(tp, from);
            while (c.position(tp) < to) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    if (r.offset() < to) {
                        bytes += r.serializedValueSize();
                        records++;
                    }
                }
            }
        }
        return new Unapplied(records, bytes);
    }

    private static void createTable(TestStream s) throws SQLException {
        try (Connection c = s.leader(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)");
        }
    }

    /** Inserts rows [from, to) in transactions of {@code perTx} rows. */
    private static void insert(TestStream s, int from, int to, int perTx) throws SQLException {
        try (Connection c = s.leader()) {
            c.setAutoCommit(false);
            try (var ps = c.prepareStatement("INSERT INTO notes VALUES (?, ?)")) {
                for (int i = from; i < to; i++) {
                    ps.setInt(1, i);
                    ps.setString(2, "note " + i);
                    ps.addBatch();
                    if ((i - from + 1) % perTx == 0 || i == to - 1) {
                        ps.executeBatch();
                        c.commit();
                    }
                }
            }
        }
    }

    /** Commits one row, then reads the leader's WAL position on the same connection, as an application would. */
    private static long writeAndReadLsn(Connection leader, int id) throws SQLException {
        try (Statement st = leader.createStatement()) {
            st.executeUpdate("INSERT INTO notes VALUES (" + id + ", 'written " + id + "')");
            try (ResultSet rs = st.executeQuery("SELECT pg_current_wal_lsn()::text")) {
                rs.next();
                return Lsn.parse(rs.getString(1));
            }
        }
    }

    private static boolean hasRow(Connection follower, int id) throws SQLException {
        try (Statement st = follower.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM notes WHERE id = " + id)) {
            rs.next();
            return rs.getInt(1) == 1;
        }
    }

    private static int count(Connection follower) throws SQLException {
        try (follower; Statement st = follower.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM notes")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
