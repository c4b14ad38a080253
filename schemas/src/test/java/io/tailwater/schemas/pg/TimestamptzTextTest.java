package io.tailwater.schemas.pg;

import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

/** The fast path's shapes; DebeziumPatchTest (capture) compares it with Debezium's own formatters on random timestamps. */
class TimestamptzTextTest {
    @Test
    void readsTheCommonShapeExactly() {
        assertThat(TimestamptzText.parse("2024-03-10 02:30:00-05"))
                .isEqualTo(OffsetDateTime.of(2024, 3, 10, 2, 30, 0, 0, ZoneOffset.ofHours(-5)));
        assertThat(TimestamptzText.parse("2024-03-10 02:30:00.5+05:30"))
                .isEqualTo(OffsetDateTime.of(2024, 3, 10, 2, 30, 0, 500_000_000, ZoneOffset.ofHoursMinutes(5, 30)));
        assertThat(TimestamptzText.parse("0001-01-01 00:00:00.000001-04:56:02"))
                .isEqualTo(OffsetDateTime.of(1, 1, 1, 0, 0, 0, 1_000, ZoneOffset.ofHoursMinutesSeconds(-4, -56, -2)));
        assertThat(TimestamptzText.parse("9999-12-31 23:59:59.999999+00"))
                .isEqualTo(OffsetDateTime.of(9999, 12, 31, 23, 59, 59, 999_999_000, ZoneOffset.UTC));
    }

    @Test
    void leavesEveryOtherShapeToTheGeneralParser() {
        for (String other : new String[] {"infinity", "-infinity", "0044-03-15 00:00:00+00 BC", "10000-01-01 00:00:00+00",
                "2024-03-10 02:30:00", "2024-03-10T02:30:00Z", "2024-03-10 02:30:00.-05", "2024-03-10 02:30:00.1234567+00",
                "2024-03-10 02:30:00+5", "2024-03-10 02:30:00+05:3", "2024-03-10 02:30:00+05:30:00:00", "2024-02-30 00:00:00+00",
                "2024-03-10 24:00:00+00", "0000-01-01 00:00:00+00", "2024-03-10 02:30:00+05 AD"}) {
            assertThat(TimestamptzText.parse(other)).as(other).isNull();
        }
    }
}
