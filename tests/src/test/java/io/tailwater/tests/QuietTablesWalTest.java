package io.tailwater.tests;

import io.tailwater.capture.Capture;
import io.tailwater.capture.LeaderSlot;
import io.tailwater.cli.Main;
import io.tailwater.cli.StatusReport;
import io.tailwater.schemas.event.Lsn;
import io.tailwater.schemas.event.RowChange;
import io.tailwater.schemas.event.TransactionEnd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A leader whose captured tables are quiet while other tables are busy: the stream's slot must
 * keep up with the leader's WAL, or the leader keeps all of it until its disk fills. And
 * {@code status} shows the WAL the slot holds back.
 */
@ExtendWith(SharedServices.class)
class QuietTablesWalTest {

    @Test
    void theSlotKeepsUpWithTheLeadersWalWhileOnlyOtherTablesAreWritten() throws Exception {
        try (TestStream s = new TestStream("quietwal", List.of("public.captured"))) {
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE captured (id int PRIMARY KEY, note text)");
                st.execute("INSERT INTO captured VALUES (1, 'before capture')");
            }
            // The busy tables are another application's, in another database of the same server: logical decoding
            // skips their transactions altogether, so no commit the slot could confirm ever reaches capture.
            String other = SharedServices.get().leader().createDatabase("quietwal_other");
            try (Connection c = DriverManager.getConnection(other, "postgres", ""); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE IF NOT EXISTS busy (id bigserial PRIMARY KEY, payload text)");
            }
            Capture capture = s.startCapture();
            s.awaitSnapshotComplete(Duration.ofSeconds(60));
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("INSERT INTO captured VALUES (2, 'streamed')");
            }
            s.awaitTransactionsInLog(1, Duration.ofSeconds(60));

            String slot = Capture.slotName(s.name);
            try (BusyWriter busy = new BusyWriter(other)) {
                for (int round = 0; round < 3; round++) {
                    long target = currentWalLsn(s);
                    long confirmed = awaitConfirmedFlush(s, slot, target, Duration.ofSeconds(60));
                    assertThat(confirmed).as("round %d: the slot confirmed the leader's WAL position %s", round, Lsn.format(target))
                            .isGreaterThanOrEqualTo(target);
                }
                busy.check();
                assertThat(busy.rows()).as("the other table was written all along").isPositive();
            }
            // Nothing commits any more: the last WAL records are no transaction's, yet the slot must reach them too.
            long quiet = currentWalLsn(s);
            assertThat(awaitConfirmedFlush(s, slot, quiet, Duration.ofSeconds(60)))
                    .as("the slot confirmed the leader's WAL position %s with no commit after it", Lsn.format(quiet))
                    .isGreaterThanOrEqualTo(quiet);
            try (BusyWriter busy = new BusyWriter(other)) {
                long before = currentWalLsn(s);
                awaitConfirmedFlush(s, slot, before, Duration.ofSeconds(60));
                StatusReport report = StatusReport.read(s.config, Duration.ofSeconds(10));
                LeaderSlot shown = report.leaderSlot();
                assertThat(shown.error()).isNull();
                assertThat(shown.exists()).isTrue();
                assertThat(shown.active()).isTrue();
                assertThat(Lsn.parse(shown.confirmedFlushLsn())).as("status shows the slot's confirmed LSN").isGreaterThanOrEqualTo(before);
                assertThat(shown.retainedWalBytes()).isNotNegative();
                assertThat(shown.unconfirmedBytes()).as("no more than the leader wrote since").isBetween(0L, currentWalLsn(s) - before);
            }

            // A checkpoint logs the running transactions; once capture has confirmed past that record, the slot's
            // restart_lsn moves past the log's last transaction and PostgreSQL no longer keeps the WAL before it.
            long lastLogged = s.readLog().stream().map(Map.Entry::getValue).filter(e -> e instanceof TransactionEnd)
                    .mapToLong(e -> ((TransactionEnd) e).source().lsn()).max().orElseThrow();
            long restart;
            try (BusyWriter busy = new BusyWriter(other)) {
                restart = Poll.until(Duration.ofSeconds(60), Duration.ofMillis(500), () -> {
                    try (Connection c = s.leader(); Statement st = c.createStatement()) {
                        st.execute("CHECKPOINT");
                    }
                    return slotLsn(s, slot, "restart_lsn");
                }, lsn -> lsn > lastLogged);
            }
            assertThat(restart).as("the slot's restart_lsn is past the last logged transaction (%s)", Lsn.format(lastLogged))
                    .isGreaterThan(lastLogged);

            // With capture stopped the slot holds all the WAL written since, and status says how much.
            s.stop(capture);
            long stoppedAt = currentWalLsn(s);
            try (Connection c = DriverManager.getConnection(other, "postgres", ""); Statement st = c.createStatement()) {
                st.execute("INSERT INTO busy (payload) SELECT repeat('x', 1000) FROM generate_series(1, 2000)");
            }
            long written = currentWalLsn(s) - stoppedAt;
            StatusReport report = StatusReport.read(s.config, Duration.ofSeconds(10));
            assertThat(report.leaderSlot().active()).isFalse();
            assertThat(report.leaderSlot().retainedWalBytes()).as("everything written since capture stopped is retained")
                    .isGreaterThanOrEqualTo(written);
            StringWriter out = new StringWriter();
            int code = Main.run(new PrintWriter(out), new PrintWriter(new StringWriter()), "status", "-c", s.configFile.toString());
            assertThat(code).isZero();
            assertThat(out.toString()).contains("leader slot \"" + slot + "\": INACTIVE").containsPattern("retained WAL \\d+ bytes");

            // A new capture resumes from the slot, not from the log's last transaction, and captures the next one.
            s.startCapture();
            long xid;
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                st.execute("INSERT INTO captured VALUES (3, 'after the restart')");
                xid = TestStream.currentXid(st);
                c.commit();
            }
            s.awaitLogged(Set.of(xid), Duration.ofSeconds(60));
            assertThat(s.readLog().stream().map(Map.Entry::getValue).filter(e -> e instanceof RowChange).count())
                    .as("the snapshot's row, the streamed one and the one after the restart").isEqualTo(3);
        }
    }

    private static long currentWalLsn(TestStream s) throws SQLException {
        try (Connection c = s.leader(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_current_wal_lsn()")) {
            rs.next();
            return Lsn.parse(rs.getString(1));
        }
    }

    /** An LSN column of the slot's row in {@code pg_replication_slots}; -1 while it is null. */
    private static long slotLsn(TestStream s, String slot, String column) throws SQLException {
        try (Connection c = s.leader();
             PreparedStatement ps = c.prepareStatement("SELECT " + column + " FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getString(1) != null ? Lsn.parse(rs.getString(1)) : -1;
            }
        }
    }

    /** Waits until the slot's confirmed_flush_lsn reaches {@code target}; returns the last one seen. */
    private static long awaitConfirmedFlush(TestStream s, String slot, long target, Duration timeout) throws Exception {
        return Poll.until(timeout, Duration.ofMillis(100), () -> slotLsn(s, slot, "confirmed_flush_lsn"), lsn -> lsn >= target);
    }

    /** Writes to a table of another database, in small transactions, until closed. */
    private static final class BusyWriter implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final Thread thread;
        private volatile long rows;

        BusyWriter(String url) {
            thread = new Thread(() -> {
                try (Connection c = DriverManager.getConnection(url, "postgres", ""); PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO busy (payload) SELECT repeat(md5(random()::text), 8) FROM generate_series(1, 20)")) {
                    while (running.get()) {
                        ps.execute();
                        rows += 20;
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            }, "busy-writer");
            thread.start();
        }

        long rows() {
            return rows;
        }

        void check() {
            assertThat(failure.get()).as("the busy writer").isNull();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join();
        }
    }
}
