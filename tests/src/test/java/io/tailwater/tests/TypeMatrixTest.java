package io.tailwater.tests;

import io.tailwater.applier.dialect.Dialect;
import io.tailwater.applier.dialect.Dialects;
import io.tailwater.applier.verify.TableDigests;
import io.tailwater.schemas.Column;
import io.tailwater.schemas.TableId;
import io.tailwater.schemas.TableSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every common scalar PostgreSQL type, with NULLs and extremes, replicated to each follower: each
 * value on each follower, read back in canonical form, equals the leader's.
 */
@ExtendWith(SharedServices.class)
class TypeMatrixTest {

    @Test
    void everyValueArrivesExactly() throws Exception {
        try (TestStream s = new TestStream("types", List.of("public.types"), true)) {
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy 🎉')");
                st.execute("""
                        CREATE TABLE types (
                          id int PRIMARY KEY,
                          c_smallint smallint, c_int int, c_bigint bigint,
                          c_num numeric(38,10), c_num_free numeric, c_money_like numeric(12,2),
                          c_real real, c_double double precision, c_bool boolean,
                          c_text text, c_varchar varchar(20), c_char char(5), c_bytea bytea,
                          c_date date, c_time time, c_ts timestamp, c_ts3 timestamp(3), c_tstz timestamptz,
                          c_interval interval, c_uuid uuid, c_json json, c_jsonb jsonb,
                          c_enum mood, c_int_arr int[], c_text_arr text[], c_num_arr numeric(10,2)[], c_bool_arr boolean[],
                          c_bigint_arr bigint[], c_uuid_arr uuid[])""");
                st.execute("INSERT INTO types (id) VALUES (0)"); // all NULL
            }
            s.startAll();
            long last;
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                st.execute("""
                        INSERT INTO types VALUES
                        (1, 1, 2, 3, 12345.6789, 1.5, 19.99, 1.25, 2.5, true, 'hello', 'varchar', 'ab',
                         '\\x0001ff', '2024-02-29', '13:45:00.123456', '2024-02-29 13:45:00.123456', '2024-02-29 13:45:00.123',
                         '2024-02-29 13:45:00.123456+02', '1 year 2 mons 3 days 04:05:06.789', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
                         '{"a": [1, 2, {"b": null}]}', '{"k": "v", "n": 1.5}', 'happy 🎉', '{1,2,3}', '{"a b","c\\"d",NULL,"","NULL","{x,y}"}',
                         '{1.50,-0.01,NULL}', '{true,false,NULL}', '{-9223372036854775808,9223372036854775807}',
                         '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}'),
                        (2, -32768, -2147483648, -9223372036854775808, -9999999999999999999999999999.9999999999,
                         -0.000000000000000000000000000001, -9999999999.99, -3.4e38, -1.7976931348623157e308, false,
                         'naïve café 🎉 "quoted" ''single'' \\ back', '', '     ', '\\x', '0001-01-01', '00:00:00',
                         '0001-01-01 00:00:00', '1970-01-01 00:00:00', '0001-01-01 00:00:00+00', '-178000000 years',
                         '00000000-0000-0000-0000-000000000000', '[]', '{}', 'sad', '{}', '{}', '{}', '{}', '{}', '{}'),
                        (3, 32767, 2147483647, 9223372036854775807, 9999999999999999999999999999.9999999999,
                         123456789012345678901234567890.123456789012345678901234567890, 9999999999.99, 3.4e38, 1.7976931348623157e308, true,
                         repeat('x', 10000), 'ünïcödé ✓', 'z', decode(repeat('ff', 1000), 'hex'), '9999-12-31', '23:59:59.999999',
                         '9999-12-31 23:59:59.999999', '2262-04-11 23:47:16.854', '9999-12-31 23:59:59.999999+00', '178000000 years',
                         'ffffffff-ffff-ffff-ffff-ffffffffffff', '"just a string"', '[1, "two", false, null]', 'ok', '{NULL}',
                         '{"naïve 🎉","back\\\\slash"}', '{99999999.99}', '{NULL}', '{0}', '{NULL}'),
                        (4, 0, 0, 0, 0, 0, -0.01, 1.17549435e-38, 2.2250738585072014e-308, null,
                         null, null, null, null, '1970-01-01', '12:00:00', '1970-01-01 00:00:00.000001', null,
                         '1970-01-01 00:00:00.000001+00', '-1 day +00:00:00.000001', null, 'null', '0',
                         null, null, null, null, null, null, null)""");
                st.execute("UPDATE types SET c_text = c_text || ' (updated)' WHERE id = 1");
                st.execute("DELETE FROM types WHERE id = 0");
                st.execute("INSERT INTO types (id, c_double, c_real) VALUES (5, -0.0, -0.0)");
                last = TestStream.currentXid(st);
                c.commit();
            }
            s.awaitReplicated(java.util.Set.of(last), Duration.ofSeconds(60));

            LeaderCopy copyOnLeader = LeaderCopy.read(s, "public.types");
            TableSchema schema = copyOnLeader.schema();
            Map<Integer, List<String>> leader = copyOnLeader.rows();
            assertThat(leader).hasSize(5);
            for (String follower : s.config.followers().keySet()) {
                Map<Integer, List<String>> copy = copyOnLeader.on(s, follower);
                for (Map.Entry<Integer, List<String>> row : leader.entrySet()) {
                    for (int i = 0; i < schema.columns().size(); i++) {
                        assertThat(copy.get(row.getKey()).get(i))
                                .as("%s: row %d column %s", follower, row.getKey(), schema.columns().get(i).name())
                                .isEqualTo(row.getValue().get(i));
                    }
                }
                assertThat(copy.keySet()).isEqualTo(leader.keySet());
            }
        }
    }

    /**
     * NaN and infinities, which PostgreSQL's floats and numerics allow: exact where the follower
     * holds them; MariaDB, which does not, stops with the offset, table, key and column, and keeps
     * what it had.
     */
    @Test
    void nanAndInfinityArriveExactlyOrStopTheFollowerThatCannotHoldThem() throws Exception {
        try (TestStream s = new TestStream("specials", List.of("public.specials"), true)) {
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE specials (id int PRIMARY KEY, c_real real, c_double double precision, c_arr double precision[])");
                st.execute("INSERT INTO specials VALUES (1, 1.5, 2.5, '{1.5}')");
            }
            s.startAll();
            long last;
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                st.execute("INSERT INTO specials VALUES (2, 'NaN', 'NaN', '{NaN}'), (3, 'Infinity', '-Infinity', '{Infinity,-Infinity}'),"
                        + " (4, '-Infinity', 'Infinity', NULL)");
                last = TestStream.currentXid(st);
                c.commit();
            }
            List<String> holding = s.config.followers().keySet().stream().filter(f -> !f.equals("maria")).toList();
            s.awaitLogged(java.util.Set.of(last), Duration.ofSeconds(60));
            s.awaitCaughtUpFollowers(holding, Duration.ofSeconds(60));

            LeaderCopy copyOnLeader = LeaderCopy.read(s, "public.specials");
            Map<Integer, List<String>> leader = copyOnLeader.rows();
            assertThat(leader.get(2)).containsExactly("2", "NaN", "NaN", "[\"NaN\"]");
            for (String follower : holding) {
                assertThat(copyOnLeader.on(s, follower)).as(follower).isEqualTo(leader);
            }
            if (s.config.followers().containsKey("maria")) {
                io.tailwater.cli.StatusReport.Row maria = s.awaitFollowerState("maria", io.tailwater.log.FollowerState.FAILED,
                        Duration.ofSeconds(30)).follower("maria");
                assertThat(maria.error()).contains("refused the change at log offset", "public\".\"specials\" key \"id\"=2",
                        "MariaDB cannot hold the value NaN in column \"c_real\"",
                        "followers.maria.column-types: {\"public.specials.c_real\": LONGTEXT}");
                assertThat(copyOnLeader.on(s, "maria")).as("MariaDB keeps what it had").isEqualTo(Map.of(1, leader.get(1)));
            }
        }
    }

    /**
     * A NaN in a fixed-scale numeric column: PostgreSQL and SQLite followers hold it; DuckDB (whose
     * rows go through its appender) and H2 have no such decimal, so each stops at the change with
     * the column, the value and the column-types entry to add, and keeps what it had.
     */
    @Test
    void aDecimalNaNStopsTheFollowersThatHaveNoSuchDecimalWithTheEntryToAdd() throws Exception {
        try (TestStream s = new TestStream("decimalnan", List.of("public.decimals"), true)) {
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE decimals (id int PRIMARY KEY, c_fixed numeric(10,2))");
                st.execute("INSERT INTO decimals VALUES (1, 12345678.91)");
            }
            s.startAll();
            long last;
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                st.execute("INSERT INTO decimals VALUES (2, 'NaN'), (3, -0.01)");
                last = TestStream.currentXid(st);
                c.commit();
            }
            s.awaitLogged(java.util.Set.of(last), Duration.ofSeconds(60));
            List<String> refusing = List.of("duck", "h2", "maria");
            List<String> holding = s.config.followers().keySet().stream().filter(f -> !refusing.contains(f)).toList();
            s.awaitCaughtUpFollowers(holding, Duration.ofSeconds(60));

            LeaderCopy copyOnLeader = LeaderCopy.read(s, "public.decimals");
            Map<Integer, List<String>> leader = copyOnLeader.rows();
            assertThat(leader.get(2)).containsExactly("2", "NaN");
            for (String follower : holding) {
                assertThat(copyOnLeader.on(s, follower)).as(follower).isEqualTo(leader);
            }
            Map<String, String> said = Map.of("duck", "DuckDB cannot hold the numeric NaN in column \"c_fixed\"",
                    "h2", "H2 cannot hold the numeric NaN in column \"c_fixed\"");
            Map<String, String> entry = Map.of("duck", "VARCHAR", "h2", "CHARACTER VARYING");
            for (String follower : said.keySet()) {
                io.tailwater.cli.StatusReport.Row row = s.awaitFollowerState(follower, io.tailwater.log.FollowerState.FAILED,
                        Duration.ofSeconds(30)).follower(follower);
                assertThat(row.error()).as(follower).contains("refused the change at log offset", "key \"id\"=2 (insert)", said.get(follower),
                        "followers." + follower + ".column-types: {\"public.decimals.c_fixed\": " + entry.get(follower) + "}");
                assertThat(copyOnLeader.on(s, follower)).as(follower + " keeps what it had").isEqualTo(Map.of(1, leader.get(1)));
            }
        }
    }

    /** The leader's table, described from its catalog, and its rows in canonical form by id. */
    record LeaderCopy(TableSchema schema, Map<Integer, List<String>> rows) {
        static LeaderCopy read(TestStream s, String table) throws Exception {
            try (Connection c = s.leader()) {
                TableSchema schema = TableDigests.describePostgres(c, TableId.parse(table));
                return new LeaderCopy(schema, TypeMatrixTest.rows(c, Dialects.of(io.tailwater.config.FollowerKind.POSTGRESQL), schema));
            }
        }

        /** The same table's rows on a follower, in canonical form by id. */
        Map<Integer, List<String>> on(TestStream s, String follower) throws Exception {
            try (Connection f = s.follower(follower)) {
                return TypeMatrixTest.rows(f, Dialects.of(s.config.follower(follower).kind()), schema);
            }
        }
    }

    static Map<Integer, List<String>> rows(Connection c, Dialect dialect, TableSchema schema) throws Exception {
        Map<Integer, List<String>> out = new LinkedHashMap<>();
        String sql = TableDigests.selectColumns(dialect, dialect.tableName(schema.id()), schema) + " ORDER BY 1";
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                List<String> values = new ArrayList<>();
                for (int i = 0; i < schema.columns().size(); i++) {
                    Column col = schema.columns().get(i);
                    values.add(dialect.canonicalOf(rs, i + 1, col));
                }
                out.put(rs.getInt("id"), values);
            }
        }
        return out;
    }
}
