package io.tailwater.tests;

import io.tailwater.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tailwater verify} while a workload runs: no divergence on healthy followers, though
 * rows change on the leader all the time; exactly the planted ones, by table and key, on a
 * PostgreSQL and a SQLite follower that the test changed behind the applier's back; the same
 * once the leader is idle.
 */
@ExtendWith(SharedServices.class)
class VerifyTest {

    @Test
    void verifyFindsExactlyThePlantedDivergencesAndNoFalseOnesUnderLoad() throws Exception {
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try (TestStream s = new TestStream("verifyrun", List.of("public.items", "public.tags"))) {
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE items (id int PRIMARY KEY, v int NOT NULL, note text, at timestamptz)");
                st.execute("INSERT INTO items SELECT g, 0, 'item ' || g, '2024-03-10 01:59:59+00'::timestamptz + g * interval '1 s'"
                        + " FROM generate_series(1, 3000) g");
                st.execute("CREATE TABLE tags (item int, tag text)"); // no key: a multiset of rows
                st.execute("ALTER TABLE tags REPLICA IDENTITY FULL");
                st.execute("INSERT INTO tags SELECT g % 100, 'tag ' || (g % 7) FROM generate_series(1, 300) g");
            }
            s.startAll();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong commits = new AtomicLong();
            Future<?> load = thread.submit(() -> churn(s, stop, commits));
            try {
                Poll.until(Duration.ofSeconds(60), Duration.ofMillis(100), commits::get, n -> n >= 50);
                for (String follower : List.of("pg", "lite")) {
                    Run healthy = verify(s, follower);
                    assertThat(healthy.exit).as(healthy.out + healthy.err).isZero();
                    assertThat(healthy.out).contains("follower '" + follower + "' equals the leader on 2 table(s)")
                            .contains("\"public\".\"items\": ").doesNotContain("differ");
                }

                for (String follower : List.of("pg", "lite")) {
                    try (Connection c = s.follower(follower); Statement st = c.createStatement()) {
                        st.execute("UPDATE items SET note = 'planted' WHERE id = 500");
                        st.execute("DELETE FROM items WHERE id = 501");
                        st.execute("INSERT INTO items (id, v, note) VALUES (99999, 0, 'planted')");
                        st.execute("INSERT INTO tags VALUES (3, 'tag 3')");
                        if (!c.getAutoCommit()) {
                            c.commit();
                        }
                    }
                    Run planted = verify(s, follower);
                    assertThat(planted.exit).as(planted.out + planted.err).isEqualTo(1);
                    List<String> rows = planted.out.lines().filter(l -> l.startsWith("  ")).map(String::trim).sorted().toList();
                    assertThat(rows).as(planted.out).containsExactly(
                            "\"public\".\"items\" \"id\"='500': differs in \"note\"",
                            "\"public\".\"items\" \"id\"='501': missing on the follower",
                            "\"public\".\"items\" \"id\"='99999': only on the follower",
                            rows.stream().filter(r -> r.startsWith("\"public\".\"tags\" (a row without a key")).findFirst().orElse("no tags line"));
                    assertThat(rows.get(3)).endsWith(": only on the follower");
                    assertThat(planted.out).contains("follower '" + follower + "' differs from the leader in 4 row(s)")
                            .doesNotContain("planted");
                    Run shown = verify(s, follower, "--show-values", "--tables", "public.items");
                    assertThat(shown.exit).isEqualTo(1);
                    assertThat(shown.out).contains("follower: \"id\"='500', \"v\"='0', \"note\"='planted'")
                            .contains("leader:   \"id\"='501'").contains("differs from the leader in 3 row(s)");
                }
            } finally {
                stop.set(true);
                load.get(60, TimeUnit.SECONDS);
            }
            // An idle leader, and a capture restarted on it: Debezium, resuming, passed nothing on (heartbeats kept the
            // log's last position) until it saw a commit, so no follower ever reached the position verify read.
            s.awaitCaughtUp(Duration.ofSeconds(60));
            s.stop(s.latestCapture());
            s.startCapture();
            for (String follower : List.of("pg", "lite")) {
                Run idle = verify(s, follower, "--tables", "public.items", "--timeout", "30s");
                assertThat(idle.exit).as(idle.out + idle.err).isEqualTo(1);
                assertThat(idle.out).contains("differs from the leader in 3 row(s)");
            }
        } finally {
            thread.shutdownNow();
        }
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run verify(TestStream s, String follower, String... more) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] args = new String[4 + more.length];
        args[0] = "verify";
        args[1] = "--config";
        args[2] = s.configFile.toString();
        args[3] = "--follower=" + follower;
        System.arraycopy(more, 0, args, 4, more.length);
        int exit = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        System.out.println("verify " + String.join(" ", more) + " on " + follower + ":\n" + err + out); // in the test's output file
        return new Run(exit, out.toString(), err.toString());
    }

    /** Changes rows 1 to 50 and adds rows from 10001, in small transactions, until stopped; never touches rows 500, 501. */
    private static void churn(TestStream s, AtomicBoolean stop, AtomicLong commits) {
        Random random = new Random(42);
        int next = 10_001;
        try (Connection c = s.leader()) {
            c.setAutoCommit(false);
            try (PreparedStatement update = c.prepareStatement("UPDATE items SET v = v + 1, note = 'changed ' || v WHERE id = ?");
                 PreparedStatement insert = c.prepareStatement("INSERT INTO items (id, v, note) VALUES (?, 0, 'new')")) {
                while (!stop.get()) {
                    for (int i = 0; i < 3; i++) {
                        update.setInt(1, 1 + random.nextInt(50));
                        update.executeUpdate();
                    }
                    insert.setInt(1, next++);
                    insert.executeUpdate();
                    c.commit();
                    commits.incrementAndGet();
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
