package io.tailwater.tests;

import io.tailwater.capture.Capture;
import io.tailwater.capture.IncompatibleSchemaChangeException;
import io.tailwater.capture.LeaderNotReadyException;
import io.tailwater.schemas.event.RowChange;
import io.tailwater.schemas.event.Truncate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Schema changes on a MariaDB leader behave as on a PostgreSQL one (see {@link SchemaEvolutionTest}):
 * added columns (existing rows get the leader's default), a dropped column (kept on followers),
 * a new table matching {@code leader.tables}, TRUNCATE, and an in-place type change that stops
 * capture. And the leader checks: capture refuses a leader it cannot capture exactly, naming the
 * setting, and changes nothing.
 */
@ExtendWith(SharedServices.class)
class MariaDbSchemaAndChecksTest {

    @Test
    void addDropNewTableAndTruncateReachEveryFollower() throws Exception {
        String db = TestStream.mariaDbLeaderDatabase("maria_evo");
        List<String> tables = List.of(db + "\\.evo.*");
        try (TestStream s = TestStream.onMariaDb("maria_evo", tables, true)) {
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE evo (id int PRIMARY KEY, a text NOT NULL, n int NOT NULL DEFAULT 0)");
                st.execute("INSERT INTO evo SELECT seq, CONCAT('a', seq), seq FROM seq_1_to_20");
            }
            s.startAll();
            long last;
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("INSERT INTO evo SELECT seq, CONCAT('a', seq), seq FROM seq_21_to_30");
                st.execute("ALTER TABLE evo ADD COLUMN b int");
                st.execute("INSERT INTO evo (id, a, b) VALUES (31, 'a31', 310)");
                st.execute("UPDATE evo SET b = id * 10 WHERE id % 3 = 0");
                st.execute("ALTER TABLE evo ADD COLUMN c varchar(20) NOT NULL DEFAULT 'dflt'");
                st.execute("INSERT INTO evo (id, a, c) VALUES (32, 'a32', 'given')");
                st.execute("ALTER TABLE evo DROP COLUMN a");
                st.execute("INSERT INTO evo (id, b) VALUES (33, 330)");
                st.execute("CREATE TABLE evo_new (k int PRIMARY KEY, v varchar(10) NOT NULL)");
                st.execute("INSERT INTO evo_new VALUES (1, 'one'), (2, 'two')");
                st.execute("DELETE FROM evo WHERE id = 2");
                last = TestStream.lastGtidSequence(st);
            }
            s.awaitReplicated(Set.of(last), Duration.ofSeconds(60));
            ReplicationEndToEndTest.assertAllMatch(s.compare(List.of(db + ".evo", db + ".evo_new")));
            try (Connection f = s.follower("pg"); Statement st = f.createStatement()) {
                ResultSet rs = st.executeQuery("SELECT a, c FROM \"" + db + "\".evo WHERE id = 33");
                rs.next();
                assertThat(rs.getString(1)).as("the dropped column is kept, empty for new rows").isNull();
                assertThat(rs.getString(2)).isEqualTo("dflt");
                rs = st.executeQuery("SELECT c FROM \"" + db + "\".evo WHERE id = 1");
                rs.next();
                assertThat(rs.getString(1)).as("a row from before the column was added has the leader's default").isEqualTo("dflt");
            }

            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("TRUNCATE evo");
                st.execute("INSERT INTO evo (id, b) VALUES (100, 1)");
                last = TestStream.lastGtidSequence(st);
            }
            s.awaitReplicated(Set.of(last), Duration.ofSeconds(60));
            ReplicationEndToEndTest.assertAllMatch(s.compare(List.of(db + ".evo")));
            try (Connection f = s.follower("lite"); Statement st = f.createStatement()) {
                ResultSet rs = st.executeQuery("SELECT count(*) FROM \"" + db + "_evo\"");
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(1);
            }
            // A capture started again after the TRUNCATE (its own leader transaction) does not log it twice.
            s.stop(s.latestCapture());
            s.startCapture();
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("INSERT INTO evo (id, b) VALUES (101, 2)");
                last = TestStream.lastGtidSequence(st);
            }
            s.awaitReplicated(Set.of(last), Duration.ofSeconds(60));
            ReplicationEndToEndTest.assertAllMatch(s.compare(List.of(db + ".evo")));
            assertThat(s.readLog().stream().filter(e -> e.getValue() instanceof Truncate)).hasSize(1);
            assertThat(s.leaderTransactionsInLog()).doesNotHaveDuplicates();
        }
    }

    @Test
    void anInPlaceTypeChangeStopsCaptureWithAMessage() throws Exception {
        String db = TestStream.mariaDbLeaderDatabase("maria_evo_type");
        try (TestStream s = TestStream.onMariaDb("maria_evo_type", List.of(db + ".evo"), false)) {
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE evo (id int PRIMARY KEY, qty int)");
                st.execute("INSERT INTO evo VALUES (1, 1)");
            }
            Capture capture = s.startCapture();
            s.startApplier("pg");
            s.awaitSnapshotComplete(Duration.ofSeconds(60));
            long before;
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("INSERT INTO evo VALUES (2, 2)");
                before = TestStream.lastGtidSequence(st);
            }
            s.awaitReplicated(Set.of(before), Duration.ofSeconds(60));
            long logged = s.readLog().size();
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("ALTER TABLE evo MODIFY qty varchar(20)");
                st.execute("INSERT INTO evo VALUES (3, 'three')");
            }
            assertThat(capture.awaitTerminationWithin(Duration.ofSeconds(60))).isTrue();
            assertThat(capture.failure()).get().satisfies(e -> assertThat(e).hasMessageContaining("qty")
                    .hasMessageContaining("restart capture"));
            assertThat(capture.failure().get()).hasRootCauseInstanceOf(IncompatibleSchemaChangeException.class);
            assertThat(s.readLog().stream().skip(logged)).noneMatch(e -> e.getValue() instanceof RowChange);
        }
    }

    @Test
    void aLeaderCaptureCannotReadExactlyIsRefusedNamingTheSetting() throws Exception {
        String db = TestStream.mariaDbLeaderDatabase("maria_checks");
        try (TestStream s = TestStream.onMariaDb("maria_checks", List.of(db + "\\..*"), false)) {
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE keyed (id int PRIMARY KEY, v int)");
                st.execute("CREATE TABLE loose (v int)");
            }
            assertThatThrownBy(s::startCapture).isInstanceOf(LeaderNotReadyException.class)
                    .hasMessageContaining("table \"" + db + "\".\"loose\"").hasMessageContaining("no primary key");
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("DROP TABLE loose");
                st.execute("CREATE TABLE shapes (id int PRIMARY KEY, p POINT)");
            }
            assertThatThrownBy(s::startCapture).isInstanceOf(LeaderNotReadyException.class)
                    .hasMessageContaining("shapes").hasMessageContaining("\"p\"");
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("DROP TABLE shapes");
                st.execute("SET GLOBAL binlog_row_image = 'MINIMAL'");
            }
            try {
                assertThatThrownBy(s::startCapture).isInstanceOf(LeaderNotReadyException.class).hasMessageContaining("binlog_row_image");
            } finally {
                try (Connection c = s.leader(); Statement st = c.createStatement()) {
                    st.execute("SET GLOBAL binlog_row_image = 'FULL'");
                }
            }
            assertThat(TestStream.rawLog(s.config)).as("nothing was written to the log").isEmpty();
        }
    }

    @Test
    void aPurgedBinlogTheLogNeedsStopsCaptureUnlessItMayTakeANewSnapshot() throws Exception {
        String db = TestStream.mariaDbLeaderDatabase("maria_purged");
        try (TestStream s = TestStream.onMariaDb("maria_purged", List.of(db + ".t"), false)) {
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL)");
                st.execute("INSERT INTO t VALUES (1, 1)");
            }
            Capture first = s.startCapture();
            s.startApplier("pg");
            s.awaitSnapshotComplete(Duration.ofSeconds(60));
            long last;
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("INSERT INTO t VALUES (2, 2)");
                last = TestStream.lastGtidSequence(st);
            }
            s.awaitReplicated(Set.of(last), Duration.ofSeconds(60));
            s.stop(first);
            long logged = s.readLog().size();
            // While capture is down the leader writes on, and its operator purges every binlog but a new one.
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("INSERT INTO t VALUES (3, 3)");
                st.execute("FLUSH BINARY LOGS");
                String newest;
                try (ResultSet rs = st.executeQuery("SHOW MASTER STATUS")) {
                    rs.next();
                    newest = rs.getString(1);
                }
                // MariaDB keeps a binlog until InnoDB has made its transactions durable (its binlog checkpoint): purge until it goes.
                String oldest = Poll.until(Duration.ofSeconds(60), Duration.ofMillis(200), () -> {
                    st.execute("PURGE BINARY LOGS TO '" + newest + "'");
                    try (ResultSet rs = st.executeQuery("SHOW BINARY LOGS")) {
                        rs.next();
                        return rs.getString(1);
                    }
                }, newest::equals);
                assertThat(oldest).isEqualTo(newest);
                st.execute("INSERT INTO t VALUES (4, 4)");
            }
            assertThatThrownBy(s::startCapture).isInstanceOf(LeaderNotReadyException.class)
                    .hasMessageContaining("has purged that binlog").hasMessageContaining("leader.on-slot-lost: resnapshot")
                    .hasMessageContaining("binlog_expire_logs_seconds");
            assertThat(s.readLog()).as("nothing was written to the log").hasSize((int) logged);

            s.setLeaderOption("on-slot-lost", "resnapshot");
            s.startCapture();
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("INSERT INTO t VALUES (5, 5)"); // in the new snapshot or streamed after it, depending on the moment
            }
            try (Connection f = s.follower("pg"); Statement st = f.createStatement()) {
                int rows = Poll.until(Duration.ofSeconds(90), Duration.ofMillis(200), () -> {
                    try (ResultSet rs = st.executeQuery("SELECT count(*) FROM \"" + db + "\".t")) {
                        rs.next();
                        return rs.getInt(1);
                    }
                }, n -> n == 5);
                assertThat(rows).as("the new snapshot brought the rows written while capture was down").isEqualTo(5);
            }
            ReplicationEndToEndTest.assertAllMatch(s.compare(List.of(db + ".t")));
        }
    }
}
