package io.tailwater.tests;

import io.tailwater.applier.Applier;
import io.tailwater.applier.ApplierException;
import io.tailwater.log.KafkaClients;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Bad input the applier meets: records that are not ours, a position the log no longer holds,
 * and a follower someone changed directly. Each gets a message naming the offset and the way
 * out, and leaves the follower's data and position as they were.
 */
@ExtendWith(SharedServices.class)
class BadInputTest {

    @Test
    void undecodableRecordsStopEachFollowerAtTheirOffsetUntilTheOperatorSkipsThem() throws Exception {
        try (TestStream s = new TestStream("badrecords", List.of("public.items"))) {
            createItems(s, 10);
            var capture = s.startAll();
            s.awaitCaughtUp(Duration.ofSeconds(30));
            s.stop(capture);

            // Three records no Tailwater capture wrote: not Avro, an unknown schema id, and bytes that do not match their schema.
            int knownId = ByteBuffer.wrap(s.readRawValue(s.lastOffsetOfKind(io.tailwater.schemas.event.LogEvent.Kind.ROW))).getInt(1);
            List<Long> bad = new ArrayList<>();
            try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(s.config, "test-junk", Map.of(), Map.of())) {
                for (byte[] junk : List.of("hello, log".getBytes(), new byte[] {0, 0x7f, 0x12, 0x34, 0x56, 1, 2, 3},
                        ByteBuffer.allocate(7).put((byte) 0).putInt(knownId).put((byte) 0x7f).put((byte) 0x7f).array())) {
                    bad.add(p.send(new ProducerRecord<>(s.config.logTopic(), 0, null, junk)).get().offset());
                }
            }
            s.startCapture();
            long last;
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                st.execute("UPDATE items SET qty = qty + 100 WHERE id <= 5");
                last = TestStream.currentXid(st);
                c.commit();
            }
            s.awaitLogged(Set.of(last), Duration.ofSeconds(60));
            List<String> before = rows(s, "pg");

            // Each applier stops at the first bad record, names it, the reason and the way out; nothing after it applied.
            for (String follower : List.of("pg", "lite")) {
                Applier a = appliers(s).get(follower);
                assertThat(a.awaitTerminationWithin(Duration.ofSeconds(60))).isTrue();
                assertThat(a.failure().orElseThrow()).hasMessageContaining("stopped at log offset " + bad.get(0))
                        .hasMessageContaining("does not start with the Confluent magic byte")
                        .hasMessageContaining("--skip-offset " + bad.get(0));
                assertThat(position(s, follower)).isLessThan(bad.get(0));
            }
            assertThat(rows(s, "pg")).isEqualTo(before);

            // Skipping only the first: stops at the second, an unknown schema id.
            Applier pg = s.startApplier("pg", Set.of(bad.get(0)));
            assertThat(pg.awaitTerminationWithin(Duration.ofSeconds(60))).isTrue();
            assertThat(pg.failure().orElseThrow()).hasMessageContaining("log offset " + bad.get(1))
                    .hasMessageContaining("schema id " + 0x7f123456 + " is unknown to the registry");

            // Skipping all three: the follower catches up and equals the leader; the skips are recorded in it.
            s.startApplier("pg", Set.copyOf(bad));
            s.awaitCaughtUpFollowers(List.of("pg"), Duration.ofSeconds(60));
            ReplicationEndToEndTest.assertAllMatch(s.compare(List.of("public.items"), List.of("pg")));
            try (Connection f = s.follower("pg"); Statement st = f.createStatement();
                 ResultSet rs = st.executeQuery("SELECT log_offset, reason FROM tailwater_skipped ORDER BY 1")) {
                List<Long> skipped = new ArrayList<>();
                while (rs.next()) {
                    skipped.add(rs.getLong(1));
                    assertThat(rs.getString(2)).isNotBlank();
                }
                assertThat(skipped).isEqualTo(bad);
            }

            // A record that decodes is never skipped, even when asked: lite, told to skip a good row too, still applies it.
            long good = s.lastOffsetOfKind(io.tailwater.schemas.event.LogEvent.Kind.ROW);
            assertThat(good).isGreaterThan(bad.get(2));
            Set<Long> withGood = new java.util.HashSet<>(bad);
            withGood.add(good);
            s.startApplier("lite", withGood);
            s.awaitCaughtUpFollowers(List.of("lite"), Duration.ofSeconds(60));
            ReplicationEndToEndTest.assertAllMatch(s.compare(List.of("public.items"), List.of("lite")));
            try (Connection f = s.follower("lite"); Statement st = f.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM tailwater_skipped WHERE log_offset = " + good)) {
                rs.next();
                assertThat(rs.getInt(1)).isZero();
            }
        }
    }

    @Test
    void aPositionOlderThanTheLogStartIsRefusedAndTheFollowerMustBeRebuilt() throws Exception {
        try (TestStream s = new TestStream("lostposition", List.of("public.items"))) {
            createItems(s, 10);
            s.startCapture();
            Applier pg = s.startApplier("pg");
            s.awaitSnapshotComplete(Duration.ofSeconds(60));
            s.awaitCaughtUpFollowers(List.of("pg"), Duration.ofSeconds(30));
            s.stop(pg);
            long stoppedAt = position(s, "pg");
            long update;
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                st.execute("UPDATE items SET qty = qty + 1");
                update = TestStream.currentXid(st);
                c.commit();
            }
            s.awaitLogged(java.util.Set.of(update), Duration.ofSeconds(60));
            List<String> before = rows(s, "pg");
            long end;
            try (Admin admin = KafkaClients.admin(s.config, "test-retention")) {
                TopicPartition tp = new TopicPartition(s.config.logTopic(), 0);
                end = admin.listOffsets(Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.latest())).all().get().get(tp).offset();
                admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(end))).all().get(); // as retention would
            }
            assertThatThrownBy(() -> s.startApplier("pg")).isInstanceOf(ApplierException.class)
                    .hasMessageContaining("stopped at log offset " + stoppedAt)
                    .hasMessageContaining("the log now starts at offset " + end)
                    .hasMessageContaining("tailwater apply --rebuild");
            assertThat(rows(s, "pg")).isEqualTo(before);
            assertThat(position(s, "pg")).isEqualTo(stoppedAt);
        }
    }

    @Test
    void aFollowerChangedDirectlyIsReportedByDefaultAndStopsWhenStrict() throws Exception {
        SharedServices.Services services = SharedServices.get();
        String strictUrl = services.follower().createDatabase("diverged_strict");
        String extra = "  strict:\n    jdbc-url: " + strictUrl + "\n    user: postgres\n    on-divergence: stop\n";
        try (TestStream s = new TestStream("diverged", List.of("public.items"), false, extra)) {
            createItems(s, 10);
            s.startAll();
            s.awaitCaughtUp(Duration.ofSeconds(30));
            for (String follower : List.of("pg", "strict")) {
                try (Connection f = s.follower(follower); Statement st = f.createStatement()) {
                    st.execute("DELETE FROM public.items WHERE id IN (3, 4)"); // someone writes to the follower
                }
            }
            long last;
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("UPDATE items SET qty = 1000 WHERE id = 1");
                c.setAutoCommit(false);
                st.execute("UPDATE items SET qty = 300 WHERE id = 3");
                st.execute("DELETE FROM items WHERE id = 4");
                last = TestStream.currentXid(st);
                c.commit();
            }
            s.awaitLogged(Set.of(last), Duration.ofSeconds(60));

            Applier strict = appliers(s).get("strict");
            assertThat(strict.awaitTerminationWithin(Duration.ofSeconds(60))).isTrue();
            assertThat(strict.failure().orElseThrow()).hasMessageContaining("follower 'strict' has diverged from the leader")
                    .hasMessageContaining("table \"public\".\"items\" with key \"id\"=3").hasMessageContaining("log offset")
                    .hasMessageContaining("on-divergence: stop");
            try (Connection f = s.follower("strict"); Statement st = f.createStatement();
                 ResultSet rs = st.executeQuery("SELECT qty FROM public.items WHERE id = 1")) {
                rs.next();
                assertThat(rs.getInt(1)).as("the transaction before the diverged one was applied").isEqualTo(1000);
            }

            // By default: reported, counted, and the follower ends equal to the leader (the updated row is written back).
            s.awaitCaughtUpFollowers(List.of("pg"), Duration.ofSeconds(60));
            ReplicationEndToEndTest.assertAllMatch(s.compare(List.of("public.items"), List.of("pg", "lite")));
            assertThat(appliers(s).get("pg").metrics().divergences()).isEqualTo(2);
        }
    }

    private static Map<String, Applier> appliers(TestStream s) {
        return s.latestAppliers();
    }

    private static void createItems(TestStream s, int rows) throws Exception {
        try (Connection c = s.leader(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE items (id int PRIMARY KEY, qty int NOT NULL)");
            st.execute("INSERT INTO items SELECT g, g FROM generate_series(1, " + rows + ") g");
        }
    }

    private static List<String> rows(TestStream s, String follower) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection f = s.follower(follower); Statement st = f.createStatement();
             ResultSet rs = st.executeQuery("SELECT id, qty FROM public.items ORDER BY id")) {
            while (rs.next()) {
                out.add(rs.getInt(1) + "=" + rs.getInt(2));
            }
        }
        return out;
    }

    private static long position(TestStream s, String follower) throws Exception {
        try (Connection f = s.follower(follower); Statement st = f.createStatement();
             ResultSet rs = st.executeQuery("SELECT log_offset FROM tailwater_position")) {
            return rs.next() ? rs.getLong(1) : -1;
        }
    }
}
