package io.tailwater.capture.mariadb;

import io.tailwater.schemas.mariadb.MariaDbKinds;
import io.tailwater.schemas.ColumnType;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.Year;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.BitSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The raw values Debezium's MariaDB connector has, from the binlog and the snapshot, and what the log gets of them. */
class MariaDbValuesTest {

    private static Object convert(String type, int length, Object raw) {
        return MariaDbValues.convert(MariaDbKinds.of(type, length), raw, StandardCharsets.UTF_8, List.of("a", "b,c", "d"), length);
    }

    @Test
    void unsignedIntegersTheBinlogGivesAsSignedComeOutAsTheirValue() {
        assertThat(convert("TINYINT UNSIGNED", 3, -56)).isEqualTo(200);
        assertThat(convert("SMALLINT UNSIGNED", 5, (short) -1)).isEqualTo(65535);
        assertThat(convert("MEDIUMINT UNSIGNED", 8, -1)).isEqualTo(16_777_215);
        assertThat(convert("INT UNSIGNED", 10, -1)).isEqualTo(4_294_967_295L);
        assertThat(convert("BIGINT UNSIGNED", 20, -1L)).isEqualTo("18446744073709551615");
        assertThat(convert("BIGINT UNSIGNED", 20, new BigInteger("18446744073709551615"))).isEqualTo("18446744073709551615");
        assertThat(convert("TINYINT", 1, -128)).isEqualTo(-128); // TINYINT(1) is no boolean: it holds -128 to 127
        assertThat(convert("BIGINT", 19, Long.MIN_VALUE)).isEqualTo(Long.MIN_VALUE);
        assertThat(convert("DECIMAL", 65, new BigDecimal("-12345678901234567890123456789012345.123456789012345678901234567890")))
                .isEqualTo("-12345678901234567890123456789012345.123456789012345678901234567890");
    }

    @Test
    void bitsTimesAndTimestampsAreExact() {
        assertThat(convert("BIT", 1, new BitSet())).isEqualTo(false);
        BitSet bits = new BitSet();
        bits.set(0);
        bits.set(9);
        assertThat(convert("BIT", 10, bits)).isEqualTo("1000000001");
        assertThat(convert("BIT", 10, new byte[] {0b10, 0b1})).isEqualTo("1000000001");
        assertThat(convert("TIME", 6, Duration.ofHours(-838).minusMinutes(59).minusSeconds(59))).isEqualTo("P0Y0M0DT-838H-59M-59S");
        assertThat(convert("TIME", 6, "838:59:59.999999")).isEqualTo("P0Y0M0DT838H59M59.999999S");
        assertThat(convert("TIME", 6, "-00:00:00.5")).isEqualTo("P0Y0M0DT0H0M-0.5S");
        assertThat(convert("DATETIME", 6, LocalDateTime.of(1, 1, 1, 0, 0, 0, 1000))).isEqualTo("0001-01-01T00:00:00.000001");
        assertThat(convert("DATETIME", 6, "2026-10-04 02:30:00.123456")).isEqualTo("2026-10-04T02:30:00.123456");
        assertThat(convert("TIMESTAMP", 6, "2038-01-19 03:14:07.999999")).isEqualTo("2038-01-19T03:14:07.999999Z");
        assertThat(convert("TIMESTAMP", 6, ZonedDateTime.of(1970, 1, 1, 0, 0, 1, 0, ZoneOffset.UTC))).isEqualTo("1970-01-01T00:00:01Z");
        assertThat(convert("DATE", 10, LocalDate.of(1582, 10, 10))).isEqualTo("1582-10-10");
        assertThat(convert("YEAR", 4, Year.of(1901))).isEqualTo(1901);
    }

    @Test
    void enumsSetsAndBinaryKeepTheirValues() {
        assertThat(convert("ENUM", 1, 2)).isEqualTo("b,c");
        assertThat(convert("ENUM", 1, 0)).isEqualTo("");
        assertThat(convert("SET", 1, 5L)).isEqualTo("a,d");
        assertThat(convert("VARCHAR", 10, "ünï".getBytes(StandardCharsets.UTF_8))).isEqualTo("ünï");
        assertThat((byte[]) convert("BINARY", 4, new byte[] {1, 2})).containsExactly(1, 2, 0, 0);
    }

    @Test
    void zeroDatesAndTypesWithoutAKindAreRefused() {
        assertThatThrownBy(() -> convert("DATE", 10, "0000-00-00")).hasMessageContaining("zero date");
        assertThatThrownBy(() -> convert("DATETIME", 6, "2024-00-10 00:00:00")).hasMessageContaining("zero date");
        assertThatThrownBy(() -> convert("TIMESTAMP", 6, ZonedDateTime.of(1970, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC)))
                .hasMessageContaining("zero timestamp");
        assertThat(MariaDbKinds.of("INET6", -1)).isNull();
        assertThat(MariaDbKinds.of("POINT", -1)).isNull();
        assertThat(MariaDbKinds.of("BIGINT UNSIGNED ZEROFILL", 20).type()).isEqualTo(ColumnType.DECIMAL);
    }
}
