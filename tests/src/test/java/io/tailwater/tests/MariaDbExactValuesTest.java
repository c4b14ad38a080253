package io.tailwater.tests;

import io.tailwater.applier.dialect.Dialects;
import io.tailwater.applier.verify.TableDigests;
import io.tailwater.schemas.TableId;
import io.tailwater.schemas.TableSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

import org.assertj.core.api.SoftAssertions;

/**
 * Every type family of a MariaDB leader, with NULLs and extremes, replicated to the PostgreSQL,
 * SQLite, DuckDB, H2 and MariaDB followers, on the snapshot path (rows loaded before capture
 * starts) and the binlog path (the same rows inserted after, then changed), under a JVM whose
 * default zone has DST (America/New_York, and once more Australia/Lord_Howe, in whose DST gap the
 * DATETIME of row 1 falls: MariaDB Connector/J moves such a value when it decodes it, so capture's
 * snapshot and the MariaDB follower's reads take dates and times as text): unsigned integers
 * to BIGINT UNSIGNED's maximum, DECIMAL(65,30), BIT(n), utf8mb4 and latin1 text, BINARY padding,
 * DATETIME in a DST gap and at year 1, TIMESTAMP, TIME beyond a day and negative, YEAR, ENUM,
 * SET, JSON and UUID. Every value on every follower is compared with the value the leader holds,
 * written out here, value by value.
 */
@ExtendWith(SharedServices.class)
class MariaDbExactValuesTest {
    private static final String COLUMNS = """
            id INT PRIMARY KEY,
            c_bool BOOLEAN, c_tiny TINYINT, c_utiny TINYINT UNSIGNED, c_usmall SMALLINT UNSIGNED, c_umed MEDIUMINT UNSIGNED,
            c_int INT, c_uint INT UNSIGNED, c_big BIGINT, c_ubig BIGINT UNSIGNED, c_dec DECIMAL(65,30), c_float FLOAT, c_double DOUBLE,
            c_bit1 BIT(1), c_bit BIT(10), c_char CHAR(5), c_varchar VARCHAR(50), c_text TEXT,
            c_latin1 VARCHAR(50) CHARACTER SET latin1, c_binary BINARY(4), c_blob BLOB,
            c_date DATE, c_datetime DATETIME(6), c_timestamp TIMESTAMP(6) NULL DEFAULT NULL, c_time TIME(6), c_year YEAR,
            c_enum ENUM('a','b,c','it''s'), c_set SET('x','y','z'), c_json JSON, c_uuid UUID""";

    /** The rows, by id offset: 1 and 2 with extremes, 3 all NULL. */
    private static String rows(int first) {
        return """
                (%d, 1, -128, 255, 65535, 16777215, -2147483648, 4294967295, -9223372036854775808, 18446744073709551615,
                 12345678901234567890123456789012345.123456789012345678901234567890, 1.5, -1.7976931348623157e308,
                 b'1', b'1000000001', 'ab', 'naïve café 🎉 "q" ''s'' \\\\ back', REPEAT('x', 5000),
                 'déjà vu – €', x'0102', x'00ff00',
                 '0001-01-01', '2021-10-03 02:15:00.123456', '2038-01-19 03:14:07.999999', '838:59:59.000000', 1901,
                 'it''s', 'x,z', '{"a": [1, 2.50, null]}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
                (%d, 2, 127, 0, 0, 0, 2147483647, 0, 9223372036854775807, 0,
                 -0.000000000000000000000000000001, -3.4e38, 2.2250738585072014e-308,
                 b'0', b'0000000000', '', '', '',
                 '', x'', x'',
                 '9999-12-31', '9999-12-31 23:59:59.999999', '1970-01-01 00:00:01', '-838:59:59.000000', 2155,
                 'b,c', '', '[]', '00000000-0000-0000-0000-000000000000')
                """.formatted(first, first + 1)
                + ", (" + (first + 2) + ", " + String.join(", ", java.util.Collections.nCopies(ROW_1.size(), "NULL")) + ")";
    }

    /** What each follower must read back (canonical text) for rows 1 and 2, column by column after the id. */
    private static final List<String> ROW_1 = List.of("1", "-128", "255", "65535", "16777215", "-2147483648", "4294967295",
            "-9223372036854775808", "18446744073709551615", "12345678901234567890123456789012345.12345678901234567890123456789",
            "1.5", "-1.7976931348623157E308", "true", "1000000001", "ab", "naïve café 🎉 \"q\" 's' \\ back", "x".repeat(5000),
            "déjà vu – €", "01020000", "00ff00", "0001-01-01", "2021-10-03 02:15:00.123456", "2038-01-19T03:14:07.999999Z",
            "P0Y0M0DT838H59M59S", "1901", "it's", "x,z", "{\"a\": [1, 2.50, null]}", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    private static final List<String> ROW_2 = List.of("2", "127", "0", "0", "0", "2147483647", "0", "9223372036854775807", "0",
            "-0.000000000000000000000000000001", "-3.4E38", "2.2250738585072014E-308", "false", "0000000000", "", "", "", "",
            "00000000", "", "9999-12-31", "9999-12-31 23:59:59.999999", "1970-01-01T00:00:01Z", "P0Y0M0DT-838H-59M-59S", "2155",
            "b,c", "", "[]", "00000000-0000-0000-0000-000000000000");

    @Test
    void everyMariaDbValueArrivesExactlyOnEveryFollower() throws Exception {
        String db = TestStream.mariaDbLeaderDatabase("maria_types");
        try (TestStream s = TestStream.onMariaDb("maria_types", List.of(db + ".types"), true)) {
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("SET SESSION time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES'");
                st.execute("CREATE TABLE types (" + COLUMNS + ")");
                st.execute("INSERT INTO types VALUES " + rows(1));
            }
            s.startAll();
            long last;
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("SET SESSION time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES'");
                c.setAutoCommit(false);
                st.execute("INSERT INTO types VALUES " + rows(11));
                // A change of some columns: the binlog's full row image carries the others as they are.
                st.execute("INSERT INTO types VALUES " + rows(21));
                st.execute("UPDATE types SET c_text = CONCAT(c_text, ' (updated)'), c_ubig = 18446744073709551614 WHERE id = 21");
                st.execute("DELETE FROM types WHERE id = 23");
                c.commit();
                last = TestStream.lastGtidSequence(st);
            }
            s.awaitReplicated(Set.of(last), Duration.ofSeconds(90));

            TableSchema schema;
            try (Connection c = s.leader()) {
                schema = TableDigests.describeMariaDb(c, TableId.parse(db + ".types"));
            }
            Map<Integer, List<String>> expected = new LinkedHashMap<>();
            for (int first : List.of(1, 11)) {
                expected.put(first, withId(first, ROW_1));
                expected.put(first + 1, withId(first + 1, ROW_2));
                expected.put(first + 2, allNull(first + 2, ROW_1.size()));
            }
            List<String> updated = new java.util.ArrayList<>(withId(21, ROW_1));
            updated.set(17, "x".repeat(5000) + " (updated)");
            updated.set(9, "18446744073709551614");
            expected.put(21, updated);
            expected.put(22, withId(22, ROW_2));
            SoftAssertions soft = new SoftAssertions();
            for (String follower : s.config.followers().keySet()) {
                Map<Integer, List<String>> copy;
                try (Connection f = s.follower(follower)) {
                    copy = TypeMatrixTest.rows(f, Dialects.of(s.config.follower(follower).kind()), schema);
                }
                assertThat(copy.keySet()).as(follower).isEqualTo(expected.keySet());
                for (Map.Entry<Integer, List<String>> row : expected.entrySet()) {
                    for (int i = 0; i < schema.columns().size(); i++) {
                        soft.assertThat(copy.get(row.getKey()).get(i))
                                .as("%s: row %d column %s", follower, row.getKey(), schema.columns().get(i).name())
                                .isEqualTo(row.getValue().get(i));
                    }
                }
            }
            soft.assertAll();
        }
    }

    private static List<String> withId(int id, List<String> values) {
        List<String> row = new java.util.ArrayList<>();
        row.add(Integer.toString(id));
        row.addAll(values);
        return row;
    }

    private static List<String> allNull(int id, int columns) {
        List<String> row = new java.util.ArrayList<>();
        row.add(Integer.toString(id));
        for (int i = 0; i < columns; i++) {
            row.add(null);
        }
        return row;
    }
}
