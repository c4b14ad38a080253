package io.tailwater.tests;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Tables without a primary key: with REPLICA IDENTITY FULL they replicate, equal rows included,
 * to every follower; without it capture refuses at start and names the setting.
 */
@ExtendWith(SharedServices.class)
class KeylessTablesTest {

    @Test
    void replicaIdentityFullTablesReplicateUpdatesAndDeletesOfEqualRows() throws Exception {
        try (TestStream s = new TestStream("keyless", List.of("public.tally"), true)) {
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE tally (kind text, n int, note text, doc json)");
                st.execute("ALTER TABLE tally REPLICA IDENTITY FULL");
                st.execute("INSERT INTO tally VALUES ('a', 1, 'x', '{\"k\": 1}'), ('a', 1, 'x', '{\"k\": 1}'), ('a', 1, 'x', '{\"k\": 1}'),"
                        + " ('b', 2, NULL, NULL), ('b', 2, NULL, NULL)");
            }
            s.startAll();
            long last;
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("INSERT INTO tally VALUES ('c', 3, 'y', '[]'), ('c', 3, 'y', '[]')");
                st.execute("DELETE FROM tally WHERE ctid = (SELECT ctid FROM tally WHERE kind = 'a' LIMIT 1)"); // one of three equal rows
                st.execute("UPDATE tally SET n = 20 WHERE ctid = (SELECT ctid FROM tally WHERE kind = 'b' LIMIT 1)"); // one of two
                st.execute("UPDATE tally SET note = 'z' WHERE kind = 'c'"); // both equal rows
                c.setAutoCommit(false);
                st.execute("DELETE FROM tally WHERE ctid = (SELECT ctid FROM tally WHERE kind = 'c' LIMIT 1)");
                st.execute("INSERT INTO tally VALUES ('a', 1, 'x', '{\"k\": 1}')");
                last = TestStream.currentXid(st);
                c.commit();
            }
            s.awaitReplicated(Set.of(last), Duration.ofSeconds(60));
            ReplicationEndToEndTest.assertAllMatch(s.compare(List.of("public.tally")));
            for (String follower : s.config.followers().keySet()) {
                var dialect = io.tailwater.applier.dialect.Dialects.of(s.config.follower(follower).kind());
                String table = dialect.dsl().render(dialect.tableName(io.tailwater.schemas.TableId.parse("public.tally")));
                try (Connection f = s.follower(follower); Statement st = f.createStatement();
                     var rs = st.executeQuery("SELECT count(*) FROM " + table + " WHERE " + dialect.dsl().render(org.jooq.impl.DSL.name("kind")) + " = 'a'")) {
                    rs.next();
                    assertThat(rs.getInt(1)).as("equal rows on %s: 3 - 1 + 1", follower).isEqualTo(3);
                }
            }
        }
    }

    @Test
    void aTableWithoutKeyOrReplicaIdentityFullIsRefusedAtStartNamingTheSetting() throws Exception {
        try (TestStream s = new TestStream("keyless_refused", List.of("public.loose"))) {
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE loose (a int, b text)");
            }
            assertThatThrownBy(s::startCapture).hasMessageContaining("table \"public\".\"loose\" has no primary key")
                    .hasMessageContaining("ALTER TABLE \"public\".\"loose\" REPLICA IDENTITY FULL");
        }
    }
}
