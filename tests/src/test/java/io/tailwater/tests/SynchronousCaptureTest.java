package io.tailwater.tests;

import io.tailwater.capture.Capture;
import io.tailwater.cli.StatusReport;
import io.tailwater.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Synchronous capture ({@code leader.synchronous: true}): with the leader's
 * {@code synchronous_standby_names} listing {@code tailwater_<stream>}, a leader commit returns
 * only once the log holds it, and not at all while capture is down.
 */
@ExtendWith(SharedServices.class)
class SynchronousCaptureTest {

    @Test
    void aLeaderCommitReturnsOnlyOnceTheLogHoldsItAndWaitsWhileCaptureIsDown() throws Exception {
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try (EmbeddedPostgres server = EmbeddedPostgres.start();
             TestStream s = new TestStream("synccap", List.of("public.items"), server, "")) {
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE items (id int PRIMARY KEY, name text)");
                st.execute("INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 10) g");
            }
            s.setLeaderOption("synchronous", "true");
            Capture capture = s.startCapture();
            s.startApplier("lite");
            s.awaitSnapshotComplete(Duration.ofSeconds(60));
            // Capture's replication connection carries the stream's name, so the leader can list it.
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                assertThat(Poll.until(Duration.ofSeconds(30), Duration.ofMillis(100), () -> replicationState(st), "async"::equals))
                        .isEqualTo("async");
                st.execute("ALTER SYSTEM SET synchronous_standby_names = 'tailwater_synccap'");
                st.execute("SELECT pg_reload_conf()");
                assertThat(Poll.until(Duration.ofSeconds(30), Duration.ofMillis(100), () -> replicationState(st), "sync"::equals))
                        .isEqualTo("sync");
            }
            try {
                assertThat(StatusReport.read(s.config, Duration.ofSeconds(10)).render()).contains("synchronous capture: ON");
                // Each commit returns once the log holds it: the log is read right after, without waiting.
                try (Connection c = s.leader(); Statement st = c.createStatement()) {
                    for (int i = 11; i <= 15; i++) {
                        c.setAutoCommit(false);
                        long xid = TestStream.currentXid(st);
                        st.execute("INSERT INTO items VALUES (" + i + ", 'synchronous')");
                        c.commit();
                        assertThat(s.leaderTransactionsInLog()).as("transaction %d in the log when its commit returned", xid).contains(xid);
                    }
                    // Commits that touch no captured table return too: heartbeats confirm their LSNs.
                    c.setAutoCommit(true);
                    st.execute("CREATE TABLE other (id int)");
                    Future<Long> other = thread.submit(() -> {
                        long start = System.nanoTime();
                        st.execute("INSERT INTO other VALUES (1)");
                        return (System.nanoTime() - start) / 1_000_000;
                    });
                    System.out.printf("synchronous capture: a commit to a table capture does not read returned after %d ms%n",
                            other.get(60, TimeUnit.SECONDS));
                }

                // With capture stopped, a commit does not return; once capture is back, it does.
                s.stop(capture);
                long[] xid = new long[1];
                Future<?> waiting = thread.submit(() -> {
                    try (Connection c = s.leader(); Statement st = c.createStatement()) {
                        c.setAutoCommit(false);
                        xid[0] = TestStream.currentXid(st);
                        st.execute("INSERT INTO items VALUES (100, 'waits for capture')");
                        c.commit();
                    }
                    return null;
                });
                try (Connection c = s.leader(); Statement st = c.createStatement()) {
                    long waits = Poll.until(Duration.ofSeconds(30), Duration.ofMillis(100), () -> syncRepWaits(st), n -> n >= 1);
                    assertThat(waits).as("sessions waiting for the synchronous standby").isPositive();
                }
                assertThat(waiting.isDone()).as("the commit returned while capture was down").isFalse();
                assertThat(StatusReport.read(s.config, Duration.ofSeconds(10)).render())
                        .contains("synchronous capture: capture is NOT CONNECTED: leader commits WAIT");
                s.startCapture();
                waiting.get(60, TimeUnit.SECONDS);
                assertThat(s.leaderTransactionsInLog()).contains(xid[0]);
                Poll.until(Duration.ofSeconds(60), Duration.ofMillis(200), () -> rows(s, "lite"), n -> n == 16);
                assertThat(rows(s, "lite")).isEqualTo(16);
            } finally {
                try (Connection c = s.leader(); Statement st = c.createStatement()) {
                    st.execute("ALTER SYSTEM RESET synchronous_standby_names");
                    st.execute("SELECT pg_reload_conf()");
                }
            }
        } finally {
            thread.shutdownNow();
        }
    }

    private static String replicationState(Statement st) {
        try (ResultSet rs = st.executeQuery("SELECT sync_state FROM pg_stat_replication WHERE application_name = 'tailwater_synccap'")) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            return null;
        }
    }

    private static long syncRepWaits(Statement st) {
        try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            return -1;
        }
    }

    private static long rows(TestStream s, String follower) {
        try (Connection c = s.follower(follower); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM items")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            return -1;
        }
    }
}
