package io.tailwater.tests;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tables and columns named with spaces, quotes, mixed case, reserved words, non-ASCII characters
 * and SQL replicate exactly, and the SQL in a name does nothing.
 */
@ExtendWith(SharedServices.class)
class HostileIdentifiersTest {
    private static final String TABLE = "x\"; drop table victim; --";

    @Test
    void hostileNamesReplicateAndDoNoHarm() throws Exception {
        // A table name is a regular expression in the config: escape what regex syntax it has.
        try (TestStream s = new TestStream("hostile", List.of("public\\.x\"; drop table victim; --", "public\\.Mixed Case Ünïcode"), true)) {
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE victim (id int PRIMARY KEY)");
                st.execute("CREATE TABLE \"x\"\"; drop table victim; --\" (\"select\" int PRIMARY KEY, \"Mixed Case\" text,"
                        + " \"with space\" text, \"naïve café\" int, \"quote\"\"d\" text)");
                st.execute("CREATE TABLE \"Mixed Case Ünïcode\" (\"ID\" int, \"Ünïcode Key\" int, \"from\" text, PRIMARY KEY (\"ID\", \"Ünïcode Key\"))");
                st.execute("INSERT INTO \"x\"\"; drop table victim; --\" VALUES (1, 'a', 'b', 3, 'q')");
                st.execute("INSERT INTO \"Mixed Case Ünïcode\" VALUES (1, 2, 'f')");
            }
            try (Connection f = s.follower("pg"); Statement st = f.createStatement()) {
                st.execute("CREATE TABLE victim (id int PRIMARY KEY)");
            }
            s.startAll();
            long last;
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                st.execute("INSERT INTO \"x\"\"; drop table victim; --\" VALUES (2, 'c', 'd', 4, 'r')");
                st.execute("UPDATE \"x\"\"; drop table victim; --\" SET \"Mixed Case\" = 'changed' WHERE \"select\" = 1");
                st.execute("INSERT INTO \"Mixed Case Ünïcode\" VALUES (1, 3, 'g')");
                st.execute("DELETE FROM \"Mixed Case Ünïcode\" WHERE \"ID\" = 1 AND \"Ünïcode Key\" = 2");
                last = TestStream.currentXid(st);
                c.commit();
            }
            s.awaitReplicated(java.util.Set.of(last), Duration.ofSeconds(60));
            ReplicationEndToEndTest.assertAllMatch(s.compare(List.of("public." + TABLE, "public.Mixed Case Ünïcode")));
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.executeQuery("SELECT count(*) FROM victim").close(); // still there
            }
            try (Connection f = s.follower("pg"); Statement st = f.createStatement()) {
                ResultSet rs = st.executeQuery("SELECT count(*) FROM victim");
                rs.next();
                assertThat(rs.getInt(1)).isZero();
            }
        }
    }

    /**
     * Emoji in names: exact on the followers that take them. MariaDB, whose names cannot hold
     * characters beyond U+FFFF, stops with the table, the column and what to do; the others go on.
     */
    @Test
    void aNameOnlySomeFollowersCanHoldStopsOnlyTheOthersAndSaysWhy() throws Exception {
        try (TestStream s = new TestStream("emoji", List.of("public\\.party 🎉"), true)) {
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE \"party 🎉\" (id int PRIMARY KEY, \"naïve 🎉\" int, \"🦀\" text)");
                st.execute("INSERT INTO \"party 🎉\" VALUES (1, 2, 'crab')");
            }
            s.startAll();
            long last;
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                st.execute("INSERT INTO \"party 🎉\" VALUES (2, 3, '🦀🦀')");
                last = TestStream.currentXid(st);
                c.commit();
            }
            List<String> holding = s.config.followers().keySet().stream().filter(f -> !f.equals("maria")).toList();
            s.awaitLogged(java.util.Set.of(last), Duration.ofSeconds(60));
            s.awaitCaughtUpFollowers(holding, Duration.ofSeconds(60));
            ReplicationEndToEndTest.assertAllMatch(s.compare(List.of("public.party 🎉"), holding));
            if (s.config.followers().containsKey("maria")) {
                String error = s.awaitFollowerState("maria", io.tailwater.log.FollowerState.FAILED, Duration.ofSeconds(30))
                        .follower("maria").error();
                assertThat(error).contains("follower 'maria' cannot hold table \"public\".\"party 🎉\" (first row at log offset",
                        "MariaDB cannot name table \"public\".\"party 🎉\"", "characters beyond U+FFFF", "Rename it on the leader");
            }
        }
    }
}
