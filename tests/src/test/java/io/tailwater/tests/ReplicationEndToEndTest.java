package io.tailwater.tests;

import io.tailwater.applier.Applier;
import io.tailwater.applier.verify.TableComparison;
import io.tailwater.capture.Capture;
import io.tailwater.demo.ShopWorkload;
import io.tailwater.schemas.event.LogEvent;
import io.tailwater.schemas.event.TransactionEnd;
import io.tailwater.capture.CaptureFencedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.tailwater.applier.verify.StreamVerifier;
import io.tailwater.cli.Main;
import io.tailwater.schemas.TableId;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The replication path end to end, on a real Kafka broker, Apicurio Registry and PostgreSQL
 * servers: a PostgreSQL leader, a PostgreSQL follower and a SQLite follower.
 */
@ExtendWith(SharedServices.class)
class ReplicationEndToEndTest {

    @Test
    void followersEqualLeaderAfterTwoThousandMixedTransactions() throws Exception {
        try (TestStream s = new TestStream("e2e_mixed", ShopWorkload.TABLES, true)) {
            ShopWorkload workload = shop(s, 1, 100);
            s.startAll();
            run(s, workload, 2600);
            s.awaitReplicated(workload.writingTransactions(), Duration.ofSeconds(120));

            assertAllMatch(s.compare(ShopWorkload.TABLES));
            assertLoggedOnce(s, workload);
            assertThat(s.leaderTransactionsInLog()).hasSizeGreaterThanOrEqualTo(2000);

            StringWriter out = new StringWriter();
            int code = Main.run(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true), "status", "--config", s.configFile.toString());
            assertThat(code).isZero();
            assertThat(out.toString()).contains("log end offset").containsPattern("(?m)^pg\\s+\\d+\\s+\\d+/\\p{XDigit}+\\s+\\d+\\s+\\d+\\s+\\d+\\s+STREAMING")
                    .containsPattern("(?m)^lite\\s+\\d+\\s+\\d+/\\p{XDigit}+\\s+\\d+\\s+\\d+\\s+\\d+\\s+STREAMING")
                    .containsPattern("(?m)^duck\\s+\\d+\\s+\\d+/\\p{XDigit}+\\s+\\d+\\s+\\d+\\s+\\d+\\s+STREAMING").containsPattern("(?m)^h2\\s+\\d+\\s+\\d+/\\p{XDigit}+\\s+\\d+\\s+\\d+\\s+\\d+\\s+STREAMING");
            StringWriter json = new StringWriter();
            assertThat(Main.run(new PrintWriter(json, true), new PrintWriter(new StringWriter(), true),
                    "status", "--config", s.configFile.toString(), "--json", "--max-lag", "10s")).isZero();
            var tree = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toString());
            assertThat(tree.get("logEndOffset").asLong()).isPositive();
            assertThat(tree.get("followers")).hasSize(s.config.followers().size());
            for (var f : tree.get("followers")) {
                assertThat(f.get("state").asText()).isEqualTo("STREAMING");
                assertThat(f.get("appliedOffset").asLong()).isGreaterThanOrEqualTo(lastTransactionEndOffset(s));
            }
        }
    }

    @Test
    void aChangeTheFollowerRefusesStopsOnlyThatFollowerAndNamesOffsetTableAndKey() throws Exception {
        try (TestStream s = new TestStream("e2e_refused", List.of("public.items"))) {
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE items (id int PRIMARY KEY, qty int NOT NULL)");
                st.execute("INSERT INTO items SELECT g, g FROM generate_series(1, 10) g");
            }
            try (Connection f = s.follower("pg"); Statement st = f.createStatement()) {
                st.execute("CREATE TABLE public.items (id int PRIMARY KEY, qty int NOT NULL CHECK (qty < 100))");
            }
            s.startCapture();
            Applier pg = s.startApplier("pg");
            s.startApplier("lite");
            s.awaitSnapshotComplete(Duration.ofSeconds(60));
            long refused;
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("UPDATE items SET qty = 50 WHERE id = 1");
                c.setAutoCommit(false);
                st.execute("UPDATE items SET qty = 60 WHERE id = 2");
                st.execute("UPDATE items SET qty = 500 WHERE id = 42 - 35"); // id 7: the follower's check refuses 500
                refused = TestStream.currentXid(st);
                c.commit();
            }
            s.awaitLogged(java.util.Set.of(refused), Duration.ofSeconds(60));
            assertThat(pg.awaitTerminationWithin(Duration.ofSeconds(60))).isTrue();
            Throwable failure = pg.failure().orElseThrow();
            long refusedOffset = s.readLog().stream()
                    .filter(e -> e.getValue() instanceof io.tailwater.schemas.event.RowChange r && r.after() != null && Integer.valueOf(500).equals(r.after()[1]))
                    .mapToLong(Map.Entry::getKey).findFirst().orElseThrow();
            assertThat(failure).hasMessageContaining("log offset " + refusedOffset)
                    .hasMessageContaining("\"public\".\"items\"").hasMessageContaining("\"id\"=7").hasMessageContaining("qty");
            // Nothing of the refused leader transaction reached the follower, and its position stayed before it.
            try (Connection f = s.follower("pg"); Statement st = f.createStatement()) {
                var rs = st.executeQuery("SELECT qty FROM public.items WHERE id IN (1, 2) ORDER BY id");
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(50);
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(2);
                rs = st.executeQuery("SELECT log_offset FROM tailwater_position");
                rs.next();
                assertThat(rs.getLong(1)).isLessThan(refusedOffset).isEqualTo(pg.appliedOffset());
            }
            // The other follower is unaffected.
            s.awaitCaughtUpFollowers(List.of("lite"), Duration.ofSeconds(60));
            assertThat(StreamVerifier.compare(s.config.leader(), s.config.follower("lite"), List.of(TableId.parse("public.items"))))
                    .allMatch(TableComparison::matches);
            StringWriter out = new StringWriter();
            int code = Main.run(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true), "status", "--config", s.configFile.toString());
            assertThat(code).isEqualTo(1);
            assertThat(out.toString()).contains("FAILED").contains("log offset " + refusedOffset);
        }
    }

    @Test
    void applierRestartedMidStreamEndsWithNoGapAndNoDuplicate() throws Exception {
        try (TestStream s = new TestStream("e2e_applier_restart", ShopWorkload.TABLES)) {
            ShopWorkload workload = shop(s, 2, 50);
            s.startCapture();
            s.startApplier("lite");
            Applier first = s.startApplier("pg");
            s.awaitSnapshotComplete(Duration.ofSeconds(60));
            try (Connection c = s.leader()) {
                for (int i = 0; i < 1500; i++) {
                    workload.runTransaction(c);
                    if (i == 500) {
                        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                        while (first.metrics().transactions() < 50 && System.nanoTime() < deadline) {
                            Thread.sleep(20);
                        }
                        s.stop(first);
                    }
                }
            }
            long appliedBeforeRestart = first.metrics().transactions();
            assertThat(appliedBeforeRestart).isPositive();
            Applier second = s.startApplier("pg");
            s.awaitReplicated(workload.writingTransactions(), Duration.ofSeconds(120));

            assertAllMatch(s.compare(ShopWorkload.TABLES));
            long transactionEnds = s.readLog().stream().filter(e -> e.getValue() instanceof TransactionEnd).count();
            // Each transaction (and snapshot chunk) in the log was applied exactly once across both runs.
            assertThat(appliedBeforeRestart + second.metrics().transactions()).isEqualTo(transactionEnds);
            assertThat(second.appliedOffset()).isGreaterThanOrEqualTo(lastTransactionEndOffset(s));
        }
    }

    @Test
    void captureRestartedMidStreamLogsEveryLeaderTransactionOnce() throws Exception {
        try (TestStream s = new TestStream("e2e_capture_restart", ShopWorkload.TABLES)) {
            ShopWorkload workload = shop(s, 3, 50);
            Capture first = s.startCapture();
            s.startApplier("pg");
            s.startApplier("lite");
            s.awaitSnapshotComplete(Duration.ofSeconds(60));
            CompletableFuture<Void> load = CompletableFuture.runAsync(() -> {
                try (Connection c = s.leader()) {
                    for (int i = 0; i < 1500; i++) {
                        workload.runTransaction(c);
                        Thread.sleep(2);
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            // Stop capture mid-stream: after the initial snapshot, with leader transactions in the log and more coming.
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (s.leaderTransactionsInLog().size() < 200 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(load).isNotDone();
            s.stop(first);
            Thread.sleep(1000);
            s.startCapture();
            load.get(5, TimeUnit.MINUTES);
            s.awaitReplicated(workload.writingTransactions(), Duration.ofSeconds(120));

            assertLoggedOnce(s, workload);
            assertAllMatch(s.compare(ShopWorkload.TABLES));
        }
    }

    @Test
    void secondCaptureOfTheSameStreamFencesTheFirst() throws Exception {
        try (TestStream s = new TestStream("e2e_fencing", ShopWorkload.TABLES)) {
            ShopWorkload workload = shop(s, 4, 10);
            Capture first = s.startCapture();
            s.startApplier("pg");
            s.awaitSnapshotComplete(Duration.ofSeconds(60));
            run(s, workload, 100);
            s.awaitLogged(workload.writingTransactions(), Duration.ofSeconds(60)); // fence while streaming, as in a failover
            s.startCapture();
            assertThat(first.awaitTerminationWithin(Duration.ofSeconds(60))).isTrue();
            assertThat(first.failure()).get().isInstanceOf(CaptureFencedException.class);
            assertThat(first.failure().get()).hasMessageContaining("e2e_fencing").hasMessageContaining("another capture");
            run(s, workload, 100);
            s.awaitReplicated(workload.writingTransactions(), Duration.ofSeconds(120));
            assertLoggedOnce(s, workload);
        }
    }

    @Test
    void captureInterruptedDuringTheInitialSnapshotTakesItAgainWithoutStaleRows() throws Exception {
        try (TestStream s = new TestStream("e2e_snapshot_restart", ShopWorkload.TABLES)) {
            ShopWorkload workload = new ShopWorkload(5);
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                ShopWorkload.createSchema(c);
                st.execute("INSERT INTO customers (id, name, email, credit) SELECT g, 'bulk ' || g, 'b' || g || '@example.com', g % 1000"
                        + " FROM generate_series(1, 60000) g");
                workload.resume(c);
            }
            Capture first = s.startCapture();
            s.startApplier("pg");
            s.startApplier("lite");
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (s.readLog().stream().noneMatch(e -> e.getValue() instanceof TransactionEnd t && t.source().snapshot())
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            s.stop(first);
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                // Rows the first, partial snapshot may have copied change or go before the snapshot is taken again.
                st.execute("DELETE FROM customers WHERE id % 7 = 0");
                st.execute("UPDATE customers SET credit = credit + 1 WHERE id % 11 = 0");
            }
            s.startCapture();
            // Transactions committed before the new snapshot's point are part of it; the ones after must be streamed.
            s.awaitSnapshotComplete(Duration.ofSeconds(90));
            run(s, workload, 300);
            s.awaitReplicated(workload.writingTransactions(), Duration.ofSeconds(120));
            assertAllMatch(s.compare(ShopWorkload.TABLES));
            assertThat(s.leaderTransactionsInLog()).doesNotHaveDuplicates();
        }
    }

    @Test
    void followerConnectionsKilledMidStreamAreRetriedFromTheStoredPosition() throws Exception {
        try (TestStream s = new TestStream("e2e_follower_kills", ShopWorkload.TABLES)) {
            ShopWorkload workload = shop(s, 6, 50);
            s.startCapture();
            Applier pg = s.startApplier("pg");
            s.awaitSnapshotComplete(Duration.ofSeconds(60));
            CompletableFuture<Void> load = CompletableFuture.runAsync(() -> {
                try (Connection c = s.leader()) {
                    for (int i = 0; i < 1500; i++) {
                        workload.runTransaction(c);
                        Thread.sleep(1);
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            int kills = 0;
            try (Connection f = s.follower("pg"); Statement st = f.createStatement()) {
                while (!load.isDone() || kills < 3) {
                    Thread.sleep(300);
                    ResultSet rs = st.executeQuery("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                            + " WHERE datname = current_database() AND pid <> pg_backend_pid()");
                    rs.next();
                    kills += rs.getInt(1);
                }
            }
            load.get(2, TimeUnit.MINUTES);
            s.awaitReplicated(workload.writingTransactions(), Duration.ofSeconds(120));

            assertThat(kills).isGreaterThanOrEqualTo(3);
            assertThat(pg.failure()).isEmpty();
            assertThat(pg.metrics().retries()).isPositive();
            assertAllMatch(s.compare(ShopWorkload.TABLES));
        }
    }

    /** Creates the shop on the stream's leader with {@code customers} seed rows; returns its workload. */
    static ShopWorkload shop(TestStream s, long seed, int customers) throws Exception {
        ShopWorkload workload = new ShopWorkload(seed);
        try (Connection c = s.leader()) {
            ShopWorkload.createSchema(c);
            workload.seed(c, customers);
        }
        return workload;
    }

    /** Runs {@code n} workload transactions on the leader. */
    static void run(TestStream s, ShopWorkload workload, int n) throws Exception {
        try (Connection c = s.leader()) {
            for (int i = 0; i < n; i++) {
                workload.runTransaction(c);
            }
        }
    }

    /** Asserts the log holds each of the workload's leader transactions exactly once, and nothing else. */
    static void assertLoggedOnce(TestStream s, ShopWorkload workload) {
        List<Long> logged = s.leaderTransactionsInLog();
        assertThat(logged).doesNotHaveDuplicates();
        assertThat(new HashSet<>(logged)).isEqualTo(workload.writingTransactions());
    }

    static void assertAllMatch(List<TableComparison> comparisons) {
        assertThat(comparisons).isNotEmpty();
        for (TableComparison c : comparisons) {
            assertThat(c.leader().rows()).as("leader rows of %s", c.table()).isPositive();
            assertThat(c.copy()).as("%s on follower '%s'", c.table(), c.follower()).isEqualTo(c.leader());
        }
    }

    static long lastTransactionEndOffset(TestStream s) {
        long last = -1;
        for (Map.Entry<Long, LogEvent> e : s.readLog()) {
            if (e.getValue() instanceof TransactionEnd) {
                last = e.getKey();
            }
        }
        return last;
    }
}
