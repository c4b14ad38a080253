package io.tailwater.failover;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The decisions of automatic failover, apart from the databases they are about: whether a
 * failover is held back, and in which order the candidates are tried.
 */
final class FailoverChoice {
    private FailoverChoice() {
    }

    /**
     * Whether a failover must wait: the last leader change (empty for the configured leader's
     * epoch) was less than {@code minInterval} before {@code now}.
     */
    static boolean heldBack(Optional<Instant> lastChange, Instant now, Duration minInterval) {
        return lastChange.isPresent() && Duration.between(lastChange.get(), now).compareTo(minInterval) < 0;
    }

    /**
     * The candidates to try, the most advanced first: those whose applied log offset is known
     * (they answered), but not the current leader; ties keep the config's order.
     *
     * @param candidates the config's candidates, in its order
     * @param applied each answering candidate's last applied log offset
     */
    static List<String> order(List<String> candidates, Map<String, Long> applied, String leader) {
        List<String> out = new ArrayList<>();
        for (String c : candidates) {
            if (!c.equals(leader) && applied.containsKey(c)) {
                out.add(c);
            }
        }
        out.sort(Comparator.comparing((String c) -> applied.get(c)).reversed()); // stable: ties stay in config order
        return out;
    }
}
