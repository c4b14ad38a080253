package io.tailwater.tests;

import io.tailwater.applier.Applier;
import io.tailwater.capture.Capture;
import io.tailwater.capture.CaptureFencedException;
import io.tailwater.demo.ShopWorkload;
import io.tailwater.schemas.event.TransactionEnd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.tailwater.cli.Main;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.tailwater.tests.ReplicationEndToEndTest.assertAllMatch;
import static io.tailwater.tests.ReplicationEndToEndTest.assertLoggedOnce;
import static io.tailwater.tests.ReplicationEndToEndTest.run;
import static io.tailwater.tests.ReplicationEndToEndTest.shop;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The replication path end to end from a MariaDB leader (a database of the shared MariaDB
 * server, with its binlog on), checking what {@link ReplicationEndToEndTest} checks for a
 * PostgreSQL leader: followers equal after a mixed workload, each leader transaction in the log
 * once across applier and capture restarts, fencing, and a snapshot interrupted and taken again.
 */
@ExtendWith(SharedServices.class)
class MariaDbLeaderTest {

    private static List<String> tables(String stream) {
        return ShopWorkload.tables(TestStream.mariaDbLeaderDatabase(stream));
    }

    @Test
    void followersEqualTheMariaDbLeaderAfterAThousandMixedTransactions() throws Exception {
        try (TestStream s = TestStream.onMariaDb("maria_mixed", tables("maria_mixed"), true)) {
            ShopWorkload workload = shop(s, 1, 100);
            s.startAll();
            run(s, workload, 1200);
            s.awaitReplicated(workload.writingTransactions(), Duration.ofSeconds(120));

            assertAllMatch(s.compare(tables("maria_mixed")));
            assertLoggedOnce(s, workload);
            assertThat(s.leaderTransactionsInLog()).hasSizeGreaterThanOrEqualTo(1000);

            // status and await speak the leader's GTIDs. The leader's server also holds the MariaDB follower, whose commits
            // are in the same binlog: the position awaited is the last workload transaction's.
            String leaderGtid;
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("UPDATE customers SET email = 'last@example.com' WHERE id = 1");
                try (ResultSet rs = st.executeQuery("SELECT @@last_gtid")) {
                    rs.next();
                    leaderGtid = rs.getString(1);
                }
            }
            StringWriter out = new StringWriter();
            assertThat(Main.run(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true), "status", "--config",
                    s.configFile.toString())).isZero();
            assertThat(out.toString()).contains("leader binlog: GTID position 0-1-").contains("LEADER GTID")
                    .containsPattern("(?m)^pg\\s+\\d+\\s+0-1-\\d+\\s+\\d+\\s+\\d+\\s+\\d+\\s+STREAMING")
                    .containsPattern("(?m)^lite\\s+\\d+\\s+0-1-\\d+\\s+\\d+\\s+\\d+\\s+\\d+\\s+STREAMING")
                    .doesNotContain("leader slot");
            out = new StringWriter();
            assertThat(Main.run(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true), "await", "--config",
                    s.configFile.toString(), "--gtid", leaderGtid, "--timeout", "60s")).isZero();
            assertThat(out.toString()).contains("leader position " + leaderGtid + " applied on pg, lite");
            // A GTID the leader has not committed yet is on no follower.
            String ahead = "0-1-" + (Long.parseLong(leaderGtid.replaceAll(".*-", "")) + 1_000_000);
            StringWriter err = new StringWriter();
            assertThat(Main.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), "await", "--config",
                    s.configFile.toString(), "--gtid", ahead, "--followers", "pg", "--timeout", "1s")).isEqualTo(1);
            assertThat(err.toString()).contains("leader position " + ahead).containsPattern("pg: at 0-1-\\d+, STREAMING");
            err = new StringWriter();
            assertThat(Main.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), "await", "--config",
                    s.configFile.toString(), "--lsn", "0/16B3748")).isNotZero();
            assertThat(err.toString()).contains("is MariaDB: give its position as --gtid");
        }
    }

    @Test
    void applierAndCaptureRestartedMidStreamEndWithNoGapAndNoDuplicate() throws Exception {
        try (TestStream s = TestStream.onMariaDb("maria_restart", tables("maria_restart"), false)) {
            ShopWorkload workload = shop(s, 2, 50);
            Capture firstCapture = s.startCapture();
            s.startApplier("lite");
            Applier firstApplier = s.startApplier("pg");
            s.awaitSnapshotComplete(Duration.ofSeconds(60));
            CompletableFuture<Void> load = CompletableFuture.runAsync(() -> {
                try (Connection c = s.leader()) {
                    for (int i = 0; i < 1500; i++) {
                        workload.runTransaction(c);
                        Thread.sleep(2); // paces the load, so that the restarts below strike while it still writes: time is the point
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            int logged = Poll.until(Duration.ofSeconds(60), Duration.ofMillis(50), () -> s.leaderTransactionsInLog().size(), n -> n >= 200);
            assertThat(logged).isGreaterThanOrEqualTo(200);
            assertThat(load).isNotDone();
            s.stop(firstApplier);
            s.stop(firstCapture);
            long appliedBeforeRestart = firstApplier.metrics().transactions();
            assertThat(appliedBeforeRestart).isPositive();
            s.startCapture();
            Applier secondApplier = s.startApplier("pg");
            load.get(5, TimeUnit.MINUTES);
            s.awaitReplicated(workload.writingTransactions(), Duration.ofSeconds(120));

            assertLoggedOnce(s, workload);
            assertAllMatch(s.compare(tables("maria_restart")));
            long transactionEnds = s.readLog().stream().filter(e -> e.getValue() instanceof TransactionEnd).count();
            // Each transaction (and snapshot chunk) in the log was applied exactly once across both runs.
            assertThat(appliedBeforeRestart + secondApplier.metrics().transactions()).isEqualTo(transactionEnds);
        }
    }

    @Test
    void secondCaptureOfTheSameStreamFencesTheFirst() throws Exception {
        try (TestStream s = TestStream.onMariaDb("maria_fencing", tables("maria_fencing"), false)) {
            ShopWorkload workload = shop(s, 4, 10);
            Capture first = s.startCapture();
            s.startApplier("pg");
            s.awaitSnapshotComplete(Duration.ofSeconds(60));
            run(s, workload, 100);
            s.awaitLogged(workload.writingTransactions(), Duration.ofSeconds(60));
            s.startCapture();
            // The first capture learns it was fenced at its next write to the log: the leader's next commit.
            run(s, workload, 20);
            assertThat(first.awaitTerminationWithin(Duration.ofSeconds(60))).isTrue();
            assertThat(first.failure()).get().isInstanceOf(CaptureFencedException.class);
            run(s, workload, 100);
            s.awaitReplicated(workload.writingTransactions(), Duration.ofSeconds(120));
            assertLoggedOnce(s, workload);
            assertAllMatch(s.compare(tables("maria_fencing")));
        }
    }

    @Test
    void captureInterruptedDuringTheInitialSnapshotTakesItAgainWithoutStaleRows() throws Exception {
        try (TestStream s = TestStream.onMariaDb("maria_snap", tables("maria_snap"), false)) {
            ShopWorkload workload = new ShopWorkload(5);
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                ShopWorkload.createSchema(c);
                st.execute("INSERT INTO customers (id, name, email, credit) SELECT seq, concat('bulk ', seq), concat('b', seq, '@example.com'),"
                        + " seq % 1000 FROM seq_1_to_60000");
                workload.resume(c);
            }
            Capture first = s.startCapture();
            s.startApplier("pg");
            s.startApplier("lite");
            Poll.until(Duration.ofSeconds(60), Duration.ofMillis(20),
                    () -> s.readLog().stream().anyMatch(e -> e.getValue() instanceof TransactionEnd t && t.source().snapshot()), b -> b);
            s.stop(first);
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("DELETE FROM customers WHERE id % 7 = 0");
                st.execute("UPDATE customers SET credit = credit + 1 WHERE id % 11 = 0");
            }
            s.startCapture();
            s.awaitSnapshotComplete(Duration.ofSeconds(90));
            run(s, workload, 300);
            s.awaitReplicated(workload.writingTransactions(), Duration.ofSeconds(120));
            assertAllMatch(s.compare(tables("maria_snap")));
            assertThat(s.leaderTransactionsInLog()).doesNotHaveDuplicates();
        }
    }
}
