package io.tailwater.tests.faults;

import io.tailwater.applier.Applier;
import io.tailwater.applier.ApplierException;
import io.tailwater.applier.verify.TableComparison;
import io.tailwater.cli.Main;
import io.tailwater.cli.StatusReport;
import io.tailwater.config.ConfigException;
import io.tailwater.log.KafkaClients;
import io.tailwater.log.SnapshotWatermark;
import io.tailwater.schemas.event.LogEvent;
import io.tailwater.schemas.event.TransactionEnd;
import io.tailwater.schemas.registry.SchemaRegistryClient;
import io.tailwater.schemas.serde.LogRecordSerde;
import io.tailwater.tests.Poll;
import io.tailwater.tests.SharedServices;
import io.tailwater.tests.TestStream;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * New followers from the snapshot topic, with no read of the leader, on a log whose retention
 * removed its beginning; the snapshot process SIGKILLed while it runs; {@code apply --rebuild}
 * of a follower whose position retention removed; capture resumed on a log whose transaction ends
 * retention removed.
 */
@ExtendWith(SharedServices.class)
class SnapshotBootstrapTest {
    private static final List<String> TABLES = List.of("public.items", "public.tags", "public.kinds", "public.old_dates");
    private static final Duration WAIT = Duration.ofSeconds(120);

    @Test
    void newFollowersLoadTheSnapshotAfterRetentionAndARebuildEndsEqual() throws Exception {
        Path logs = Files.createTempDirectory("tailwater-snapshot-test");
        ExecutorService thread = Executors.newSingleThreadExecutor();
        // SQLite keeps -0.0 in a REAL column as 0, and refuses it: the column is text there, in the lossless form
        try (TestStream s = new TestStream("snapboot", TABLES, false, "", Map.of("lite", "    column-types: {\"public.kinds.f8\": TEXT}\n"))) {
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE items (id int PRIMARY KEY, v int NOT NULL, note text, amount numeric(12,2), at timestamptz, big text)");
                // big: over 2 kB of random text, so PostgreSQL keeps it out of line (TOAST) and updates that leave it unchanged do not send it
                st.execute("INSERT INTO items SELECT g, 0, 'item ' || g, g * 1.25, '2024-03-10 01:59:59+00'::timestamptz + g * interval '1 s',"
                        + " CASE WHEN g % 10 = 0 THEN (SELECT string_agg(md5(random()::text || x || g), '') FROM generate_series(1, 120) x) END"
                        + " FROM generate_series(1, 3000) g");
                st.execute("CREATE TABLE tags (item int, tag text)"); // no key: a multiset of rows, equal rows included
                st.execute("ALTER TABLE tags REPLICA IDENTITY FULL");
                st.execute("INSERT INTO tags SELECT g % 50, 'tag ' || (g % 3) FROM generate_series(1, 300) g");
                // values whose text needs care on the load's COPY path (escapes, specials, zones, arrays)
                st.execute("CREATE TABLE kinds (id int PRIMARY KEY, t text, b bytea, f8 float8, f4 real, n numeric, ts timestamp,"
                        + " tstz timestamptz, d date, tm time, j jsonb, u uuid, arr int[], iv interval, bo boolean)");
                st.execute("INSERT INTO kinds VALUES"
                        + " (1, E'tab\\there\\nnew\\\\back\\r', '\\x00ff5c0a', 'NaN', 'Infinity', 'NaN', '2024-03-10 02:30:00',"
                        + "  '2024-11-03 01:30:00-04', '2024-02-29', '24:00:00', '{\"a\": [1, \"x\\ty\"]}',"
                        + "  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{{1,2},{3,4}}', '1 year 2 mons 3 days 04:05:06.789', true),"
                        + " (2, '', '\\x', '-0', '3.4028235e38', 123.4500, '0001-01-01 00:00:00', '1970-01-01 00:00:00+00', 'infinity',"
                        + "  '00:00:00.000001', 'null', '00000000-0000-0000-0000-000000000000', '{}', '-1 days', false),"
                        + " (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)");
                st.execute("CREATE TABLE old_dates (id int PRIMARY KEY, d date, ts timestamp, tstz timestamptz)"); // no plain text form: not by COPY
                st.execute("INSERT INTO old_dates VALUES (1, '0044-03-15 BC', '0044-03-15 12:00:00 BC', '0044-03-15 12:00:00+00 BC'),"
                        + " (2, '1582-10-04', '1582-10-04 23:59:59.999999', '1582-10-15 00:00:00+00')");
            }
            s.setTopicsOption("log-retention", "30s");
            assertThatThrownBy(s::startCapture).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("topics.log-retention").hasMessageContaining("has no snapshot").hasMessageContaining("tailwater compact");

            TailwaterProcess compact = s.startProcess("compact", logs.resolve("compact.log"), "compact",
                    "--state-dir", logs.resolve("compact-state").toString());
            try (Admin admin = KafkaClients.admin(s.config, "test-admin")) {
                Poll.until(WAIT, Duration.ofMillis(200), () -> admin.listTopics().names().get(), n -> n.contains(s.config.snapshotTopic()));
            }
            s.startCapture();
            s.awaitSnapshotComplete(WAIT);
            long initialSnapshotEnd = s.readLog().stream().filter(e -> e.getValue() instanceof TransactionEnd t && t.txId().equals("snapshot"))
                    .mapToLong(Map.Entry::getKey).max().orElseThrow();

            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong commits = new AtomicLong();
            Future<?> load = thread.submit(() -> churn(s, stop, commits, 1));
            for (int kill = 0; kill < 3; kill++) {
                long seen = taken(s);
                Poll.until(WAIT, Duration.ofMillis(200), () -> taken(s), w -> w > seen + 20);
                compact.kill();
                if (kill == 0) { // a schema change while the snapshot is kept: its rows hold both versions of the table
                    try (Connection c = s.leader(); Statement st = c.createStatement()) {
                        st.execute("ALTER TABLE items ADD COLUMN extra text");
                        // The table lock first: the churn locks rows in random order, this update in the table's order, so
                        // without it the two can deadlock and the leader aborts one of them.
                        c.setAutoCommit(false);
                        st.execute("LOCK TABLE items IN SHARE ROW EXCLUSIVE MODE");
                        st.execute("UPDATE items SET extra = 'extra ' || id WHERE id % 7 = 0");
                        c.commit();
                    }
                }
            }
            // retention removes the log's beginning: the initial snapshot is gone from it
            Poll.until(WAIT, Duration.ofMillis(500), () -> logStart(s), start -> start > initialSnapshotEnd);
            long seqScans = itemScans(s);

            Applier pg = s.startApplier("pg");
            s.startApplier("lite");
            long seen = commits.get();
            Poll.until(WAIT, Duration.ofMillis(200), commits::get, n -> n > seen + 100);
            stopChurn(stop, load);
            s.awaitCaughtUp(WAIT);
            // before the comparison below, which reads the whole leader table
            assertThat(itemScans(s)).as("sequential scans of items on the leader: a snapshot query would be one").isEqualTo(seqScans);
            assertEqual(s, List.of("pg", "lite"));
            assertThat(s.readLog().stream().filter(e -> e.getKey() > initialSnapshotEnd
                    && e.getValue() instanceof TransactionEnd t && t.txId().equals("snapshot"))).as("snapshot chunks after the initial one").isEmpty();

            String status = StatusReport.read(s.config, Duration.ofSeconds(30)).render();
            assertThat(status).as(status).containsPattern("log first offset: [1-9][0-9]* \\(retention PT30S\\)")
                    .containsPattern("snapshot: watermark at log offset [0-9]+, [0-9]+ record\\(s\\) behind the log end; compact RUNNING");

            // A follower down for longer than the retention: its position is gone from the log.
            long pgAt = pg.appliedOffset();
            s.stop(pg);
            stop.set(false);
            Future<?> more = thread.submit(() -> churn(s, stop, commits, 2));
            Poll.until(WAIT, Duration.ofMillis(500), () -> logStart(s), start -> start > pgAt + 1);
            assertThatThrownBy(() -> s.startApplier("pg")).isInstanceOf(ApplierException.class)
                    .hasMessageContaining("retention removed").hasMessageContaining("tailwater apply --rebuild");
            s.startApplier("pg", new Applier.Options(Duration.ofSeconds(30), new SimpleMeterRegistry(), Set.of(), true));
            long seen2 = commits.get();
            Poll.until(WAIT, Duration.ofMillis(200), commits::get, n -> n > seen2 + 100);
            stopChurn(stop, more);
            s.awaitCaughtUp(WAIT);
            assertEqual(s, List.of("pg", "lite"));

            // After all the kills, the snapshot alone (nothing left to replay) gives the leader's rows.
            long logEnd = s.lastOffsetOfKind(LogEvent.Kind.TX_END);
            Poll.until(WAIT, Duration.ofMillis(200), () -> watermark(s), w -> w == logEnd);
            s.stop(s.latestAppliers().get("lite"));
            s.startApplier("lite", new Applier.Options(Duration.ofSeconds(30), new SimpleMeterRegistry(), Set.of(), true));
            s.awaitCaughtUp(WAIT);
            assertEqual(s, List.of("lite"));

            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int exit = Main.run(new PrintWriter(out), new PrintWriter(err), "verify", "--config", s.configFile.toString(), "--follower", "pg");
            assertThat(exit).as(out + "\n" + err).isZero();
            assertThat(out.toString()).contains("follower 'pg' equals the leader on 4 table(s)");

            // A leader quiet for longer than the retention: no transaction end is left in the log, only heartbeats.
            // Capture, restarted, resumes from the snapshot's watermark (the last one), and the next change reaches both.
            Poll.until(WAIT, Duration.ofMillis(500), () -> logStart(s), start -> start > logEnd);
            String quiet = StatusReport.read(s.config, Duration.ofSeconds(30)).render();
            assertThat(quiet).as("the watermark is before the log's start, but compact took every record after it")
                    .containsPattern("snapshot: watermark at log offset " + logEnd + ",").doesNotContain("BROKEN").doesNotContain("WARNING");
            s.stop(s.latestCapture());
            s.startCapture();
            long quietXid;
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                st.execute("UPDATE items SET note = 'after the quiet' WHERE id = (SELECT min(id) FROM items)");
                quietXid = TestStream.currentXid(st);
                c.commit();
            }
            s.awaitReplicated(Set.of(quietXid), WAIT);
            assertEqual(s, List.of("pg", "lite"));
            assertThat(compact.starts()).as("compact restarted after each SIGKILL").isGreaterThanOrEqualTo(4);
        } catch (AssertionError e) {
            System.out.println(Files.exists(logs.resolve("compact.log")) ? Files.readString(logs.resolve("compact.log")) : "");
            throw e;
        } finally {
            thread.shutdownNow();
        }
    }

    private static void assertEqual(TestStream s, List<String> followers) throws SQLException {
        List<TableComparison> result = s.compare(TABLES, followers);
        assertThat(result).hasSize(TABLES.size() * followers.size());
        for (TableComparison c : result) {
            assertThat(c.leader().rows()).as("leader rows of %s", c.table()).isPositive();
            assertThat(c.copy()).as("%s on follower '%s'", c.table(), c.follower()).isEqualTo(c.leader());
        }
    }

    private static void stopChurn(AtomicBoolean stop, Future<?> load) throws Exception {
        stop.set(true);
        load.get(60, TimeUnit.SECONDS);
    }

    /** The snapshot's watermark, -1 before it has one. */
    private static long watermark(TestStream s) {
        try (KafkaConsumer<byte[], byte[]> c = KafkaClients.consumer(s.config, "test-watermark", Map.of())) {
            return SnapshotWatermark.read(c, s.config, new LogRecordSerde(new SchemaRegistryClient(s.config.registry())), Duration.ofSeconds(30))
                    .map(SnapshotWatermark::logOffset).orElse(-1L);
        }
    }

    /** The log offset up to which the snapshot process has committed (its consumer group's offset), -1 before. */
    private static long taken(TestStream s) throws Exception {
        try (Admin admin = KafkaClients.admin(s.config, "test-admin")) {
            var offset = admin.listConsumerGroupOffsets(s.config.snapshotApplicationId()).partitionsToOffsetAndMetadata().get()
                    .get(new TopicPartition(s.config.logTopic(), 0));
            return offset == null ? -1 : offset.offset();
        }
    }

    private static long logStart(TestStream s) {
        try (KafkaConsumer<byte[], byte[]> c = KafkaClients.consumer(s.config, "test-log-start", Map.of())) {
            TopicPartition tp = new TopicPartition(s.config.logTopic(), 0);
            return c.beginningOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
        }
    }

    /** Sequential scans of the leader's items table so far (the workload reads it by key only). */
    private static long itemScans(TestStream s) throws SQLException {
        try (Connection c = s.leader(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'items'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Small transactions until stopped: updates that leave the TOASTed column unchanged, inserts,
     * deletes by key, and equal rows added to and removed from the keyless table.
     */
    private static void churn(TestStream s, AtomicBoolean stop, AtomicLong commits, int round) {
        Random random = new Random(round);
        int next = 100_000 * round;
        try (Connection c = s.leader()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SET enable_seqscan = off"); // the workload reads items by key only, so a scan of it is someone else's
            }
            try (PreparedStatement update = c.prepareStatement("UPDATE items SET v = v + 1, note = 'changed ' || v, amount = amount + 0.01 WHERE id = ?");
                 PreparedStatement insert = c.prepareStatement("INSERT INTO items (id, v, note, amount, at) VALUES (?, 0, 'new', 0.5, now())");
                 PreparedStatement delete = c.prepareStatement("DELETE FROM items WHERE id = ?");
                 PreparedStatement tag = c.prepareStatement("INSERT INTO tags VALUES (?, 'tag 1')");
                 PreparedStatement untag = c.prepareStatement("DELETE FROM tags WHERE ctid = (SELECT ctid FROM tags WHERE item = ? LIMIT 1)")) {
                while (!stop.get()) {
                    for (int i = 0; i < 3; i++) {
                        update.setInt(1, 1 + random.nextInt(3000));
                        update.executeUpdate();
                    }
                    insert.setInt(1, next++);
                    insert.executeUpdate();
                    delete.setInt(1, 1 + random.nextInt(3000));
                    delete.executeUpdate();
                    tag.setInt(1, random.nextInt(50));
                    tag.executeUpdate();
                    untag.setInt(1, random.nextInt(50));
                    untag.executeUpdate();
                    c.commit();
                    commits.incrementAndGet();
                    // Pacing, not a wait for anything: time is the condition, since the workload is a rate (some 300
                    // transactions a second, of 6 rows). The snapshot process then keeps up on 2 cores, so its lag stays well
                    // inside the 30 s retention; at full speed the leader outruns it, and it rightly refuses to go on.
                    Thread.sleep(2);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
