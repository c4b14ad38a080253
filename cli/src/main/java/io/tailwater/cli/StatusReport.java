package io.tailwater.cli;

import io.tailwater.config.StreamConfig;
import io.tailwater.log.FollowerPosition;
import io.tailwater.log.FollowerState;
import io.tailwater.log.PositionsReader;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The state of a stream at one moment: the log end, and for each configured follower its
 * applied offset, its lag in records and milliseconds, and its state. Read from Kafka only.
 */
public record StatusReport(long logEndOffset, List<Row> followers) {

    /** One follower's line. A follower that never reported has state {@code null}. */
    public record Row(String follower, long appliedOffset, long lagRecords, long lagMillis, FollowerState state,
                      long reportAgeMillis, String error) {
    }

    public static StatusReport read(StreamConfig config, Duration timeout) {
        try (PositionsReader reader = new PositionsReader(config, timeout)) {
            long end = reader.logEndOffset();
            Map<String, FollowerPosition> positions = reader.positions();
            long now = System.currentTimeMillis();
            List<Row> rows = new ArrayList<>();
            for (String name : config.followers().keySet()) {
                FollowerPosition p = positions.get(name);
                if (p == null) {
                    rows.add(new Row(name, -1, end, -1, null, -1, null));
                    continue;
                }
                long lagRecords = Math.max(0, end - p.consumedOffset());
                long lagMillis = lagRecords == 0 ? 0 : p.commitMicros() <= 0 ? -1 : Math.max(0, now - p.commitMicros() / 1000);
                rows.add(new Row(name, p.appliedOffset(), lagRecords, lagMillis, p.state(), now - p.reportedAtMillis(), p.error()));
            }
            return new StatusReport(end, rows);
        }
    }

    /** A table for people. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("log end offset: ").append(logEndOffset).append('\n');
        sb.append(String.format("%-20s %14s %12s %10s %-12s%n", "FOLLOWER", "APPLIED", "LAG (rec)", "LAG (ms)", "STATE"));
        for (Row r : followers) {
            sb.append(String.format("%-20s %14s %12d %10s %-12s%n", r.follower(),
                    r.appliedOffset() < 0 ? "-" : Long.toString(r.appliedOffset()), r.lagRecords(),
                    r.lagMillis() < 0 ? "-" : Long.toString(r.lagMillis()),
                    r.state() == null ? "NEVER_REPORTED" : r.state().name()));
            if (r.error() != null) {
                sb.append("    error: ").append(r.error()).append('\n');
            }
        }
        return sb.toString();
    }
}
