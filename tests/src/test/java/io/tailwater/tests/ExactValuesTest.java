package io.tailwater.tests;

import io.tailwater.schemas.TableSchema;
import io.tailwater.schemas.event.LogEvent;
import io.tailwater.schemas.event.RowChange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TimeZone;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Values that once arrived wrong without a word, replicated to every follower, on the snapshot
 * path (rows loaded before capture starts) and the streaming path (the same rows inserted after),
 * under a JVM whose default zone has DST (the build runs the tests under America/New_York, and
 * this class once more under Australia/Lord_Howe): DST-gap timestamps, years 1 and BC, 24:00:00,
 * timetz, multi-dimensional arrays, numeric NaN and infinities (constrained and not), money at
 * its extremes, bit strings, and the less common types (network, ranges, multiranges, geometry,
 * xml, domains, composites, tsvector/tsquery, oid, name, "char"), plus updates that leave a
 * TOASTed column unchanged, alone and after an insert of the same key in the same transaction.
 * Capture and every applier run as separate {@code ./tailwater} processes in the test's zone.
 * Every value on every follower is compared with the leader's, value by value. Followers without
 * a type for a value get it as text through {@code column-types}.
 */
@ExtendWith(SharedServices.class)
class ExactValuesTest {
    private static final String COLUMNS = """
            id int PRIMARY KEY,
            c_ts timestamp, c_tstz timestamptz, c_date date, c_time time, c_timetz timetz,
            c_num numeric, c_num_fixed numeric(10,2), c_money money, c_real real,
            c_int_2d int[], c_text_2d text[], c_tstz_arr timestamptz[], c_date_arr date[],
            c_inet inet, c_cidr cidr, c_mac macaddr, c_range int4range, c_tstzrange tstzrange, c_multirange int4multirange,
            c_bit bit(8), c_varbit varbit(16), c_xml xml, c_domain posint, c_composite address, c_tsvector tsvector,
            c_tsquery tsquery, c_oid oid, c_char10 char(10), c_qchar "char", c_name name, c_jsonb jsonb, c_point point,
            c_box box, c_big text, c_note text""";

    /** Row 1 and 2 before capture; 11 and 12 (the same values) after it started. */
    private static String rows(int first) {
        return """
                (%d, '2021-03-14 02:30:00', '2021-03-14 02:30:00+00', '0001-01-01', '24:00:00', '13:45:00+05:30',
                 'NaN', 'NaN', '-92233720368547758.08', 'NaN',
                 '{{1,2},{3,NULL}}', '{{a,b},{NULL,"d \\"e\\" {f}"}}', '{"2024-06-01 02:15:00-04",NULL}', '{0044-03-15 BC,2024-02-29}',
                 '192.168.0.1/24', '10.0.0.0/8', '08:00:2b:01:02:03', '[1,10)', '[2024-06-01 06:15:00+00,)', '{[1,3),[5,7)}',
                 B'00000000', B'1', '<a>b &amp; c</a>', 42, ROW('Main St', 12), 'a fat cat', 'fat & cat', 4294967295,
                 'ab', 'x', 'some_name', '{"a": [1, 2.50]}', '(1.5,-2)', '((0,0),(1,1))', repeat('x', 40000), 'first'),
                (%d, '0001-01-01 00:00:00.000001', '0001-01-01 00:00:00+00', '0044-03-15 BC', '00:00:00', '00:00:00-12',
                 'Infinity', 99999999.99, '92233720368547758.07', '-Infinity',
                 '{}', '{{{a}},{{b}}}', '{}', '{infinity}',
                 '::1', '2001:db8::/32', 'ff:ff:ff:ff:ff:ff', 'empty', '(,"2024-01-01 00:00:00+00"]', '{}',
                 B'11111111', B'0000000001', '<x/>', 1, ROW(NULL, NULL), '', 'a', 0,
                 '          ', ' ', 'n', '[]', '(0,0)', '((-1e+30,2),(3,4))', repeat('y', 30000), 'second')"""
                .formatted(first, first + 1);
    }

    /** Where a follower has no type for some of these values, it holds them as text. */
    private static final Map<String, String> TEXT_COLUMNS = Map.of(
            "maria", textColumns("LONGTEXT", "c_ts", "c_tstz", "c_date", "c_num_fixed", "c_real"),
            "duck", textColumns("VARCHAR", "c_ts", "c_tstz", "c_date", "c_time", "c_num_fixed"),
            "h2", textColumns("CHARACTER VARYING", "c_date", "c_time", "c_num_fixed"));

    private static String textColumns(String type, String... columns) {
        StringBuilder sb = new StringBuilder("    column-types:\n");
        for (String c : columns) {
            sb.append("      public.exact.").append(c).append(": ").append(type).append('\n');
        }
        return sb.toString();
    }

    @Test
    void everyValueArrivesExactlyOnEveryFollowerFromTheSnapshotAndTheStream() throws Exception {
        String zone = TimeZone.getDefault().getID();
        assertThat(zone).as("the build runs this test under a zone with DST").isIn("America/New_York", "Australia/Lord_Howe");
        String stream = "exact_" + zone.replaceAll("[^A-Za-z]", "").toLowerCase();
        try (TestStream s = new TestStream(stream, List.of("public.exact"), true, "", TEXT_COLUMNS)) {
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("CREATE DOMAIN posint AS integer CHECK (VALUE > 0)");
                st.execute("CREATE TYPE address AS (street text, number int)");
                st.execute("CREATE TABLE exact (" + COLUMNS + ")");
                st.execute("ALTER TABLE exact ALTER COLUMN c_big SET STORAGE EXTERNAL"); // out of line, uncompressed
                st.execute("INSERT INTO exact VALUES " + rows(1));
            }
            try (Connection f = s.follower("pg"); Statement st = f.createStatement()) {
                st.execute("CREATE TYPE address AS (street text, number int)"); // a composite must exist on a PostgreSQL follower
            }
            Path logs = Files.createTempDirectory(Path.of("target"), "processes-" + stream);
            s.startProcesses(logs);
            long last;
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                st.execute("INSERT INTO exact VALUES " + rows(11));
                st.execute("UPDATE exact SET c_note = 'inserted then updated, c_big unchanged' WHERE id = 12");
                c.commit();
                st.execute("UPDATE exact SET c_note = 'updated, c_big unchanged' WHERE id IN (1, 11)");
                st.execute("UPDATE exact SET c_big = c_big || 'z', c_note = 'big changed' WHERE id = 2");
                last = TestStream.currentXid(st);
                c.commit();
            }
            try {
                s.awaitReplicated(Set.of(last), Duration.ofSeconds(120));
            } catch (AssertionError e) {
                throw s.withProcessLogs(e, logs);
            }
            s.stopProcesses();

            List<RowChange> unchanged = s.readLog().stream().map(Map.Entry::getValue).filter(e -> e instanceof RowChange)
                    .map(e -> (RowChange) e).filter(r -> io.tailwater.schemas.Unchanged.in(r.after())).toList();
            assertThat(unchanged).as("the log says which updates left c_big unchanged").hasSize(3);

            TypeMatrixTest.LeaderCopy leader = TypeMatrixTest.LeaderCopy.read(s, "public.exact");
            TableSchema schema = leader.schema();
            Map<Integer, List<String>> rows = leader.rows();
            List<String> row1 = rows.get(1);
            assertThat(row1.get(index(schema, "c_ts"))).isEqualTo("2021-03-14 02:30:00.000000");
            assertThat(row1.get(index(schema, "c_time"))).isEqualTo("24:00:00");
            assertThat(row1.get(index(schema, "c_timetz"))).isEqualTo("08:15:00+00");
            assertThat(row1.get(index(schema, "c_num"))).isEqualTo("NaN");
            assertThat(row1.get(index(schema, "c_int_2d"))).isEqualTo("[[1,2],[3,null]]");
            assertThat(row1.get(index(schema, "c_text_2d"))).isEqualTo("[[\"a\",\"b\"],[null,\"d \\\"e\\\" {f}\"]]");
            assertThat(row1.get(index(schema, "c_money"))).isEqualTo("-92233720368547758.08");
            assertThat(rows.get(2).get(index(schema, "c_date"))).isEqualTo("-0043-03-15");
            assertThat(rows.get(2).get(index(schema, "c_ts"))).isEqualTo("0001-01-01 00:00:00.000001");
            assertThat(rows.keySet()).containsExactlyInAnyOrder(1, 2, 11, 12);
            for (int id : List.of(1, 2)) {
                List<String> streamed = rows.get(id + 10);
                for (int i = 1; i < schema.columns().size(); i++) {
                    if (!List.of("c_note", "c_big").contains(schema.columns().get(i).name())) {
                        assertThat(streamed.get(i)).as("leader rows %d and %d, column %s", id, id + 10, schema.columns().get(i).name())
                                .isEqualTo(rows.get(id).get(i));
                    }
                }
            }
            for (String follower : s.config.followers().keySet()) {
                Map<Integer, List<String>> copy = leader.on(s, follower);
                assertThat(copy.keySet()).as(follower).isEqualTo(rows.keySet());
                for (Map.Entry<Integer, List<String>> row : rows.entrySet()) {
                    for (int i = 0; i < schema.columns().size(); i++) {
                        assertThat(copy.get(row.getKey()).get(i))
                                .as("%s: row %d column %s", follower, row.getKey(), schema.columns().get(i).name())
                                .isEqualTo(row.getValue().get(i));
                    }
                }
            }
            try (Connection f = s.follower("pg"); Statement st = f.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM exact WHERE c_big LIKE '%unavailable%' OR c_big IS NULL")) {
                rs.next();
                assertThat(rs.getInt(1)).as("no placeholder and no NULL where the leader kept its value").isZero();
            }
        }
    }

    private static int index(TableSchema schema, String column) {
        for (int i = 0; i < schema.columns().size(); i++) {
            if (schema.columns().get(i).name().equals(column)) {
                return i;
            }
        }
        throw new IllegalArgumentException(column);
    }
}
