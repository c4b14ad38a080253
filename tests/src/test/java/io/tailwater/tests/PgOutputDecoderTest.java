package io.tailwater.tests;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tailwater.capture.Capture;
import io.tailwater.capture.SupervisedCapture;
import io.tailwater.config.StreamingDecoder;
import io.tailwater.schemas.Column;
import io.tailwater.schemas.Unchanged;
import io.tailwater.schemas.event.LogEvent;
import io.tailwater.schemas.event.RowChange;
import io.tailwater.schemas.event.TransactionEnd;
import io.tailwater.schemas.event.Truncate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tailwater's own pgoutput reader ({@code leader.decoder: tailwater}) writes the log Debezium's
 * streaming writes: the same workload on two leader databases, one stream read by Debezium and
 * one by the own reader, gives the same row changes (table schemas, kinds, every value of both
 * images, unchanged TOASTed values), truncates and transactions, across a restart of the own
 * reader and the hand-over to Debezium that a new table's snapshot needs. Followers of the own
 * reader's stream equal its leader.
 */
@ExtendWith(SharedServices.class)
class PgOutputDecoderTest {
    private static final List<String> TABLES = List.of("public.exact", "public.plain", "public.keyless", "public.later");

    private static final String SCHEMA = """
            CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
            CREATE TYPE address AS (street text, number int);
            CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
            CREATE TABLE exact (id int PRIMARY KEY,
              c_ts timestamp, c_tstz timestamptz, c_date date, c_time time, c_timetz timetz,
              c_num numeric, c_num_fixed numeric(10,2), c_money money, c_real real, c_double float8,
              c_int_2d int[], c_text_2d text[], c_tstz_arr timestamptz[], c_inet inet, c_range int4range,
              c_bit bit(8), c_varbit varbit(16), c_xml xml, c_domain posint, c_composite address, c_mood mood,
              c_char10 char(10), c_vc varchar(20), c_jsonb jsonb, c_json json, c_uuid uuid, c_bytea bytea, c_interval interval,
              c_bool bool, c_small smallint, c_big8 bigint, c_big text, c_note text);
            ALTER TABLE exact ALTER COLUMN c_big SET STORAGE EXTERNAL;
            CREATE TABLE plain (id bigserial PRIMARY KEY, name text NOT NULL DEFAULT 'it''s', n int DEFAULT 7,
              at timestamptz DEFAULT now(), price numeric(8,3) DEFAULT 1.5, neg int DEFAULT -1);
            CREATE TABLE keyless (a int, b text);
            ALTER TABLE keyless REPLICA IDENTITY FULL;
            INSERT INTO plain (name) VALUES ('seed');
            """;

    private static String exactRow(int id) {
        return """
                (%d, '2021-03-14 02:30:00', '2021-03-14 02:30:00+00', '0044-03-15 BC', '24:00:00', '13:45:00+05:30',
                 'NaN', 99999999.99, '-92233720368547758.08', 'Infinity', -0.0,
                 '{{1,2},{3,NULL}}', '{{a,b},{NULL,"d \\"e\\" {f}"}}', '{"2024-06-01 02:15:00-04",NULL}', '::1', '[1,10)',
                 B'00000001', B'1', '<a>b &amp; c</a>', 42, ROW('Main St', 12), 'happy',
                 'ab', 'ü€', '{"a": [1, 2.50]}', '{ "b" : 1 }', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\x00ff10', '1 year 2 mons 3 days 04:05:06.789',
                 true, -32768, 9223372036854775807, repeat('x', 40000), 'first')""".formatted(id);
    }

    /** The same writes, on either leader database. */
    private static void workload(Connection c, int round) throws Exception {
        try (Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            int id = round * 10;
            st.execute("INSERT INTO exact VALUES " + exactRow(id) + ", " + exactRow(id + 1));
            st.execute("UPDATE exact SET c_note = 'big unchanged' WHERE id = " + id);
            c.commit();
            st.execute("UPDATE exact SET c_big = c_big || 'z', c_note = 'big changed' WHERE id = " + (id + 1));
            st.execute("DELETE FROM exact WHERE id = " + id);
            st.execute("INSERT INTO plain (name, n) VALUES ('r" + round + "', NULL), ('s" + round + "', " + round + ")");
            c.commit();
            st.execute("UPDATE plain SET id = id + 1000, name = 'moved' WHERE name = 's" + round + "'"); // the key changes
            st.execute("INSERT INTO keyless VALUES (" + round + ", 'one'), (" + round + ", 'one'), (NULL, NULL)");
            st.execute("UPDATE keyless SET b = 'two' WHERE a = " + round);
            st.execute("DELETE FROM keyless WHERE a IS NULL");
            c.commit();
            for (int i = 0; i < 50; i++) { // many small transactions
                st.execute("INSERT INTO plain (name) VALUES ('small " + round + "/" + i + "')");
                c.commit();
            }
            if (round == 1) {
                st.execute("ALTER TABLE plain ADD COLUMN extra text DEFAULT 'x'");
                st.execute("INSERT INTO plain (name) VALUES ('after alter')");
                c.commit();
                st.execute("TRUNCATE keyless");
                c.commit();
            }
        }
    }

    @Test
    void theOwnReaderWritesTheLogDebeziumWritesAndFollowersMatch() throws Exception {
        try (TestStream debezium = new TestStream("pgo_dbz", TABLES); TestStream own = new TestStream("pgo_own", TABLES)) {
            debezium.setLeaderOption("decoder", "debezium");
            for (TestStream s : List.of(debezium, own)) {
                try (Connection c = s.leader(); Statement st = c.createStatement()) {
                    st.execute(SCHEMA);
                }
                try (Connection f = s.follower("pg"); Statement st = f.createStatement()) {
                    st.execute("CREATE TYPE address AS (street text, number int)"); // a composite must exist on a PostgreSQL follower
                }
                s.startCapture();
                s.awaitSnapshotComplete(Duration.ofSeconds(60));
            }
            // With the default decoder, Debezium hands over to the own reader once the initial snapshot is in the log.
            assertThat(Poll.until(Duration.ofSeconds(60), Duration.ofMillis(100), own.latestCapture()::decoder,
                    StreamingDecoder.TAILWATER::equals)).as("the own reader took over after the snapshot").isEqualTo(StreamingDecoder.TAILWATER);
            assertThat(debezium.latestCapture().decoder()).isEqualTo(StreamingDecoder.DEBEZIUM);
            own.stop(own.latestCapture());
            Supervised supervised = Supervised.start(own);
            assertThat(supervised.decoder(StreamingDecoder.TAILWATER)).as("the own reader streams").isEqualTo(StreamingDecoder.TAILWATER);
            for (int round = 1; round <= 2; round++) {
                for (TestStream s : List.of(debezium, own)) {
                    try (Connection c = s.leader()) {
                        workload(c, round);
                    }
                }
                if (round == 1) {
                    // A restart of the own reader in the middle: it resumes after the log's last transaction.
                    awaitSameTransactions(debezium, own);
                    supervised.stop();
                    supervised = Supervised.start(own);
                }
            }
            awaitSameTransactions(debezium, own);
            compareLogs(debezium, own);

            // A table with rows that joins later needs a snapshot: the own reader hands over to Debezium, which takes it.
            try (Connection c = own.leader(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE later (id int PRIMARY KEY, v text)");
                st.execute("INSERT INTO later SELECT g, 'v' || g FROM generate_series(1, 100) g");
            }
            long laterRows = Poll.until(Duration.ofSeconds(90), Duration.ofMillis(300), () -> own.readLog().stream()
                    .filter(e -> e.getValue() instanceof RowChange r && r.table().id().table().equals("later")
                            && r.source().snapshot()).count(), n -> n >= 100);
            assertThat(laterRows).as("the new table's snapshot (Debezium's: the own reader takes none) is in the log").isEqualTo(100);
            assertThat(supervised.decoder(StreamingDecoder.TAILWATER)).as("the own reader took over again")
                    .isEqualTo(StreamingDecoder.TAILWATER);
            try (Connection c = own.leader(); Statement st = c.createStatement()) {
                st.execute("INSERT INTO later VALUES (101, 'streamed')");
            }
            own.startApplier("pg");
            own.startApplier("lite");
            own.awaitCaughtUp(Duration.ofSeconds(90));
            assertThat(own.compare(TABLES)).allSatisfy(t -> assertThat(t.matches()).as(t.toString()).isTrue());
            supervised.stop();
        }
    }

    /** A supervised capture of a stream, run on a thread of its own, as {@code tailwater capture} runs it. */
    private record Supervised(SupervisedCapture capture, Thread runner, AtomicReference<Object> ended) {
        static Supervised start(TestStream s) throws Exception {
            SupervisedCapture capture = s.track(new SupervisedCapture(s.config, Duration.ofSeconds(30), new SimpleMeterRegistry()));
            AtomicReference<Object> ended = new AtomicReference<>();
            Thread runner = new Thread(() -> {
                try {
                    ended.set(capture.run());
                } catch (Throwable t) {
                    ended.set(t);
                }
            });
            runner.start();
            Poll.until(Duration.ofSeconds(60), Duration.ofMillis(100), capture::current, c -> c.isPresent());
            return new Supervised(capture, runner, ended);
        }

        /** What the running capture streams with, once it is {@code expected} (or after a minute, whatever it is). */
        StreamingDecoder decoder(StreamingDecoder expected) throws Exception {
            return Poll.until(Duration.ofSeconds(60), Duration.ofMillis(100),
                    () -> capture.current().map(Capture::decoder).orElse(null), expected::equals);
        }

        /** Stops the capture; it must have run without failing until then. */
        void stop() throws InterruptedException {
            assertThat(ended.get()).as("the supervised capture ran on").isNull();
            capture.close();
            runner.join(30_000);
            assertThat(ended.get()).as("the supervised capture stopped without a failure").isEqualTo(Optional.empty());
        }
    }

    private static void awaitSameTransactions(TestStream debezium, TestStream own) throws Exception {
        int expected = Poll.until(Duration.ofSeconds(90), Duration.ofMillis(300), () -> debezium.leaderTransactionsInLog().size(),
                n -> n > 0 && n == debezium.leaderTransactionsInLog().size());
        Poll.until(Duration.ofSeconds(90), Duration.ofMillis(300), () -> streamed(debezium).size(),
                n -> n == streamed(own).size());
        assertThat(streamed(own).stream().map(PgOutputDecoderTest::brief).toList()).as("streamed events, own reader against Debezium")
                .isEqualTo(streamed(debezium).stream().map(PgOutputDecoderTest::brief).toList());
        assertThat(expected).isPositive();
    }

    /** The log's streamed events: row changes, truncates and transaction ends after the initial snapshot. */
    private static List<LogEvent> streamed(TestStream s) {
        List<LogEvent> out = new ArrayList<>();
        for (Map.Entry<Long, LogEvent> e : s.readLog()) {
            LogEvent v = e.getValue();
            boolean snapshot = v instanceof RowChange r && r.source().snapshot() || v instanceof TransactionEnd t && t.source().snapshot();
            if (!snapshot && (v instanceof RowChange || v instanceof Truncate || v instanceof TransactionEnd)) {
                out.add(v);
            }
        }
        return out;
    }

    /** An event in a line: its kind, table and key, or its row count. */
    private static String brief(LogEvent e) {
        return switch (e) {
            case RowChange r -> r.op() + " " + r.table().id() + " " + (r.keyImage() == null ? "-" : String.valueOf(r.keyImage()[0]));
            case Truncate t -> "truncate " + t.table();
            case TransactionEnd t -> "end of " + t.eventCount();
            default -> e.toString();
        };
    }

    private static void compareLogs(TestStream debezium, TestStream own) {
        List<LogEvent> expected = streamed(debezium);
        List<LogEvent> actual = streamed(own);
        assertThat(actual).hasSameSizeAs(expected);
        int unchanged = 0;
        Set<List<String>> plainDefaults = new LinkedHashSet<>();
        for (int i = 0; i < expected.size(); i++) {
            LogEvent e = expected.get(i);
            LogEvent a = actual.get(i);
            String at = "event " + i + " (" + e + ")";
            assertThat(a.getClass()).as(at).isEqualTo(e.getClass());
            switch (e) {
                case RowChange er -> {
                    RowChange ar = (RowChange) a;
                    assertThat(ar.table().id()).as(at).isEqualTo(er.table().id());
                    assertThat(withoutDefaults(ar.table().columns())).as(at + ": the table schema")
                            .isEqualTo(withoutDefaults(er.table().columns()));
                    if (ar.table().id().table().equals("plain")) {
                        plainDefaults.add(ar.table().columns().stream().map(Column::defaultText).toList());
                    }
                    assertThat(ar.op()).as(at).isEqualTo(er.op());
                    int clock = er.table().id().table().equals("plain") ? 3 : -1;
                    assertSameImage(er.before(), ar.before(), at + ", before", clock);
                    assertSameImage(er.after(), ar.after(), at + ", after", clock);
                    if (Unchanged.in(ar.after())) {
                        unchanged++;
                    }
                }
                case Truncate et -> assertThat(((Truncate) a).table()).as(at).isEqualTo(et.table());
                case TransactionEnd et -> assertThat(((TransactionEnd) a).eventCount()).as(at).isEqualTo(et.eventCount());
                default -> throw new AssertionError(at);
            }
        }
        assertThat(unchanged).as("updates that left c_big unchanged").isEqualTo(2);
        // Constant defaults as the leader has them; computed ones (nextval, now()) give none. Debezium gives 0 for the
        // bigserial, the epoch for now(), and cuts 'it''s' short at its quote.
        assertThat(plainDefaults).containsExactly(Arrays.asList(null, "it's", "7", null, "1.500", "-1"),
                Arrays.asList(null, "it's", "7", null, "1.500", "-1", "x"));
        assertThat(expected.stream().filter(e -> e instanceof Truncate).count()).isEqualTo(1);
    }

    private static List<Column> withoutDefaults(List<Column> columns) {
        return columns.stream().map(c -> c.withDefault(null)).toList();
    }

    private static void assertSameImage(Object[] expected, Object[] actual, String at, int clockColumn) {
        if (expected == null) {
            assertThat(actual).as(at).isNull();
            return;
        }
        assertThat(actual).as(at).isNotNull().hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            Object e = expected[i];
            Object a = actual[i];
            if (i == clockColumn) {
                continue; // plain's "at" defaults to now(): each leader database's own clock
            }
            if (e instanceof byte[] eb) {
                assertThat(a).as(at + " column " + i).isInstanceOf(byte[].class);
                assertThat(Arrays.equals(eb, (byte[]) a)).as(at + " column " + i).isTrue();
            } else {
                assertThat(a).as(at + " column " + i).isEqualTo(e);
            }
        }
    }
}
