package io.tailwater.config;

import java.time.Duration;
import java.util.List;

/**
 * Automatic failover, the config's opt-in {@code failover:} section: when capture cannot reach
 * the leader for longer than {@code leaderTimeout}, the most advanced healthy candidate is
 * promoted, as {@code promote} would; no second automatic failover follows within
 * {@code minInterval} of a leader change.
 *
 * @param candidates the PostgreSQL followers that may be promoted, in the config's order (it breaks ties)
 * @param leaderTimeout how long the leader must stay unreachable
 * @param minInterval how long after a leader change no automatic failover happens
 */
public record FailoverConfig(List<String> candidates, Duration leaderTimeout, Duration minInterval) {
    /** No automatic failover: the section is absent. */
    public static final FailoverConfig OFF = new FailoverConfig(List.of(), Duration.ZERO, Duration.ZERO);

    public FailoverConfig {
        candidates = List.copyOf(candidates);
    }

    /** Whether automatic failover is on. */
    public boolean enabled() {
        return !candidates.isEmpty();
    }
}
