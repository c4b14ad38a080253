package io.tailwater.capture.postgres;

import io.tailwater.schemas.pg.PgText;
import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

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

    @Test
    void readsEverySampleAsTheGeneralParserDoes() {
        for (String text : samples(20_000)) {
            assertThat(TimestamptzText.parse(text)).as(text).isEqualTo(OffsetDateTime.ofInstant(PgText.timestamptz(text),
                    TimestamptzText.parse(text).getOffset()));
        }
    }

    /**
     * Timestamps across years 1 to 9999 with offsets of whole quarter hours and of odd seconds
     * (local mean time), in PostgreSQL's spelling, with 0 to 6 fraction digits.
     */
    static List<String> samples(int count) {
        SplittableRandom random = new SplittableRandom(20261202);
        List<String> samples = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int offsetSeconds = random.nextInt(-15 * 3600, 15 * 3600 + 1);
            if (random.nextBoolean()) {
                offsetSeconds -= offsetSeconds % 900;
            }
            OffsetDateTime t = OffsetDateTime.of(random.nextInt(1, 10_000), random.nextInt(1, 13), random.nextInt(1, 29),
                    random.nextInt(24), random.nextInt(60), random.nextInt(60), random.nextInt(1_000_000) * 1_000,
                    ZoneOffset.ofTotalSeconds(offsetSeconds));
            samples.add(postgresText(t, random.nextInt(7)));
        }
        return samples;
    }

    /** PostgreSQL's spelling, with {@code digits} fraction digits (PostgreSQL drops trailing zeros; either is read). */
    private static String postgresText(OffsetDateTime t, int digits) {
        StringBuilder sb = new StringBuilder(String.format("%04d-%02d-%02d %02d:%02d:%02d", t.getYear(), t.getMonthValue(),
                t.getDayOfMonth(), t.getHour(), t.getMinute(), t.getSecond()));
        if (digits > 0) {
            sb.append('.').append(String.format("%06d", t.getNano() / 1_000), 0, digits);
        }
        int total = t.getOffset().getTotalSeconds();
        int abs = Math.abs(total);
        sb.append(total < 0 ? '-' : '+').append(String.format("%02d", abs / 3600));
        if (abs % 3600 != 0) {
            sb.append(String.format(":%02d", abs / 60 % 60));
            if (abs % 60 != 0) {
                sb.append(String.format(":%02d", abs % 60));
            }
        }
        return sb.toString();
    }
}
