package io.tailwater.tests;

import io.tailwater.capture.Capture;
import io.tailwater.capture.IncompatibleSchemaChangeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Leader DDL between transactions reaches every follower kind: added columns (with and without a
 * default, existing rows get the leader's default), a dropped column (kept on followers, now
 * nullable), truncate. An in-place type change stops capture with a message and writes nothing.
 */
@ExtendWith(SharedServices.class)
class SchemaEvolutionTest {
    @Test
    void addDropAndTruncateReachEveryFollower() throws Exception {
        try (TestStream s = new TestStream("evolution", List.of("public.evo"), true)) {
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE evo (id int PRIMARY KEY, a text NOT NULL, n int NOT NULL DEFAULT 0)");
                st.execute("INSERT INTO evo SELECT g, 'a' || g, g FROM generate_series(1, 20) g");
            }
            s.startAll();
            long last;
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("INSERT INTO evo SELECT g, 'a' || g, g FROM generate_series(21, 30) g");
                st.execute("ALTER TABLE evo ADD COLUMN b int");
                st.execute("INSERT INTO evo (id, a, b) VALUES (31, 'a31', 310)");
                st.execute("UPDATE evo SET b = id * 10 WHERE id % 3 = 0");
                st.execute("ALTER TABLE evo ADD COLUMN c text NOT NULL DEFAULT 'dflt'");
                st.execute("INSERT INTO evo (id, a, c) VALUES (32, 'a32', 'given')");
                st.execute("UPDATE evo SET n = n + 1 WHERE id % 5 = 0");
                st.execute("ALTER TABLE evo DROP COLUMN a");
                st.execute("INSERT INTO evo (id, b) VALUES (33, 330)");
                c.setAutoCommit(false);
                st.execute("DELETE FROM evo WHERE id = 2");
                last = TestStream.currentXid(st);
                c.commit();
            }
            s.awaitReplicated(Set.of(last), Duration.ofSeconds(60));
            ReplicationEndToEndTest.assertAllMatch(s.compare(List.of("public.evo")));
            try (Connection f = s.follower("pg"); Statement st = f.createStatement()) {
                ResultSet rs = st.executeQuery("SELECT a, c FROM public.evo WHERE id = 33");
                rs.next();
                assertThat(rs.getString(1)).as("the dropped column is kept, empty for new rows").isNull();
                assertThat(rs.getString(2)).isEqualTo("dflt");
            }

            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("TRUNCATE evo");
                c.setAutoCommit(false);
                st.execute("INSERT INTO evo (id, b) VALUES (100, 1)");
                last = TestStream.currentXid(st);
                c.commit();
            }
            s.awaitReplicated(Set.of(last), Duration.ofSeconds(60));
            ReplicationEndToEndTest.assertAllMatch(s.compare(List.of("public.evo")));
        }
    }

    @Test
    void anInPlaceTypeChangeStopsCaptureWithAMessage() throws Exception {
        try (TestStream s = new TestStream("evolution_type", List.of("public.evo"))) {
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE evo (id int PRIMARY KEY, qty int)");
                st.execute("INSERT INTO evo VALUES (1, 1)");
            }
            Capture capture = s.startCapture();
            s.startApplier("pg");
            s.awaitSnapshotComplete(Duration.ofSeconds(60));
            long before;
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                st.execute("INSERT INTO evo VALUES (2, 2)");
                before = TestStream.currentXid(st);
                c.commit();
            }
            s.awaitReplicated(Set.of(before), Duration.ofSeconds(60));
            long logged = s.readLog().size();
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("ALTER TABLE evo ALTER COLUMN qty TYPE text");
                st.execute("INSERT INTO evo VALUES (3, 'three')");
            }
            assertThat(capture.awaitTerminationWithin(Duration.ofSeconds(60))).isTrue();
            assertThat(capture.failure()).get().satisfies(e -> assertThat(e).hasMessageContaining("column \"qty\" of table \"public\".\"evo\"")
                    .hasMessageContaining("int4").hasMessageContaining("text").hasMessageContaining("restart capture"));
            assertThat(capture.failure().get()).hasRootCauseInstanceOf(IncompatibleSchemaChangeException.class);
            assertThat(s.readLog().stream().skip(logged)).noneMatch(e -> e.getValue() instanceof io.tailwater.schemas.event.RowChange);
            try (Connection f = s.follower("pg"); Statement st = f.createStatement()) {
                ResultSet rs = st.executeQuery("SELECT count(*) FROM public.evo");
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(2);
            }
        }
    }

}
