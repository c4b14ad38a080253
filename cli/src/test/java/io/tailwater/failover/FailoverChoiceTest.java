package io.tailwater.failover;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class FailoverChoiceTest {
    @Test
    void theMostAdvancedAnsweringCandidateComesFirstAndTiesKeepTheConfigOrder() {
        List<String> candidates = List.of("a", "b", "c", "d");
        Map<String, Long> applied = Map.of("a", 10L, "b", 12L, "c", 12L);
        assertThat(FailoverChoice.order(candidates, applied, "leader")).containsExactly("b", "c", "a");
        assertThat(FailoverChoice.order(candidates, applied, "b")).containsExactly("c", "a");
        assertThat(FailoverChoice.order(candidates, Map.of(), "leader")).isEmpty();
    }

    @Test
    void aFailoverWithinTheMinimumIntervalOfTheLastLeaderChangeIsHeldBack() {
        Instant now = Instant.parse("2026-12-02T10:00:00Z");
        Duration tenMinutes = Duration.ofMinutes(10);
        assertThat(FailoverChoice.heldBack(Optional.empty(), now, tenMinutes)).isFalse();
        assertThat(FailoverChoice.heldBack(Optional.of(now.minusSeconds(599)), now, tenMinutes)).isTrue();
        assertThat(FailoverChoice.heldBack(Optional.of(now.minusSeconds(600)), now, tenMinutes)).isFalse();
    }
}
