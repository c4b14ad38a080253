package io.tailwater.schemas;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ValueTextTest {

    @Test
    void instantsParseAsInstantParseDoes() {
        List<String> texts = List.of("2024-06-01T06:15:00Z", "2024-06-01T06:15:00.100Z", "2024-06-01T06:15:00.123456Z",
                "2024-06-01T06:15:00.123456789Z", "0001-01-01T00:00:00Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z",
                "2024-02-29T12:00:00Z", "2021-03-14T02:30:00Z", "1970-01-01T00:00:00Z", "1969-12-31T23:59:59.999999Z",
                "+10000-01-01T00:00:00Z", "-0044-03-15T00:00:00Z", "2024-06-01T06:15:00+02:00", "2016-12-31T23:59:60Z");
        for (String t : texts) {
            assertThat(ValueText.instant(t)).as(t).isEqualTo(Instant.parse(t));
        }
        Random random = new Random(7);
        for (int i = 0; i < 10_000; i++) {
            Instant at = Instant.ofEpochSecond(random.nextLong(-62_167_219_200L, 253_402_300_799L),
                    random.nextInt(4) == 0 ? 0 : random.nextInt(1_000_000_000) / (random.nextBoolean() ? 1 : 1000) * (random.nextBoolean() ? 1 : 1000));
            assertThat(ValueText.instant(at.toString())).as(at.toString()).isEqualTo(at);
        }
    }

    @Test
    void otherAndInvalidTextsGetInstantParsesOwnResultOrError() {
        for (String t : List.of("2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-06-01T24:00:00Z", "2024-06-01T06:61:00Z",
                "2024-06-01T06:15:00.12xZ", "2024-06-31T00:00:00Z", "2024-0a-01T00:00:00Z", "2024-06-01T06:15Z", "2024-06-01 06:15:00Z")) {
            Object expected;
            try {
                expected = Instant.parse(t);
            } catch (DateTimeParseException e) {
                expected = e.getMessage();
            }
            Object actual;
            try {
                actual = ValueText.instant(t);
            } catch (DateTimeParseException e) {
                actual = e.getMessage();
            }
            assertThat(actual).as(t).isEqualTo(expected);
        }
        assertThatThrownBy(() -> ValueText.instant("2023-02-29T00:00:00Z")).isInstanceOf(DateTimeParseException.class);
    }
}
