package io.tailwater.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CatchUpProgressTest {

    @Test
    void lineShowsBarShareRateAndTimeLeft() {
        assertThat(CatchUpProgress.line(50_000, 150_000, 25_000, "records"))
                .isEqualTo("[#######.......................]  25% 50,000/200,000 records, 25,000 records/s, ETA 0:06");
        assertThat(CatchUpProgress.line(0, 7_200_000, 1000, "records")).endsWith("ETA 2:00:00").startsWith("[......");
        assertThat(CatchUpProgress.line(10, 10, 0, "records")).endsWith("ETA --:--");
    }
}
