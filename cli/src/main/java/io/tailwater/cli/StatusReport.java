package io.tailwater.cli;

import io.tailwater.capture.Capture;
import io.tailwater.capture.LeaderSlot;
import io.tailwater.capture.LeaderSync;
import io.tailwater.capture.mariadb.LeaderBinlog;
import io.tailwater.config.LeaderKind;
import io.tailwater.config.StreamConfig;
import io.tailwater.failover.CurrentLeader;
import io.tailwater.log.FollowerPosition;
import io.tailwater.log.FollowerState;
import io.tailwater.log.PositionsReader;
import io.tailwater.schemas.event.Lsn;
import io.tailwater.snapshot.SnapshotStatus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The state of a stream at one moment: the log end, and for each configured follower its
 * applied offset, its lag in records, bytes and milliseconds, and its state, read from Kafka; and
 * the stream's replication slot on the leader, with the write-ahead log it makes the leader keep,
 * and whether the leader waits for capture (synchronous capture), or a MariaDB leader's binlog;
 * the log's first offset and the snapshot's watermark.
 *
 * <p>Lag in milliseconds is the leader time of the log head minus the leader time of the last
 * record the follower applied, and 0 when it has applied the whole log. Heartbeats move the log
 * head's time while the leader is idle, so the lag of a caught-up follower stays within one
 * heartbeat interval, and the lag of a stopped one keeps growing.
 */
public record StatusReport(long logEndOffset, long logBytes, String leader, int leaderEpoch, long leaderSinceOffset,
                           List<Row> followers, LeaderSlot leaderSlot, LeaderSync leaderSync, LeaderBinlog leaderBinlog,
                           SnapshotStatus snapshot) {

    /**
     * One follower's line. A follower that never reported has state {@code null}; unknown lags are -1.
     *
     * @param appliedLsn the leader LSN of the last applied record, as PostgreSQL writes it ({@code 0/16B3748})
     * @param appliedGtid a MariaDB leader's GTID position of the last applied record ({@code 0-1-4711})
     */
    public record Row(String follower, long appliedOffset, String appliedLsn, int leaderEpoch, long lagRecords,
                      long lagBytes, long lagMillis, FollowerState state, long reportAgeMillis, String error, String appliedGtid) {
    }

    public static StatusReport read(StreamConfig config, Duration timeout) {
        CurrentLeader current = CurrentLeader.read(config, timeout);
        try (PositionsReader reader = new PositionsReader(config, timeout)) {
            long end = reader.logEndOffset();
            PositionsReader.LogHead head = reader.head(end);
            Map<String, FollowerPosition> positions = reader.positions();
            long now = System.currentTimeMillis();
            List<Row> rows = new ArrayList<>();
            for (String name : config.followers().keySet()) {
                FollowerPosition p = positions.get(name);
                if (p == null) {
                    rows.add(new Row(name, -1, null, 0, end, head.logBytes(), -1, null, -1, null, null));
                    continue;
                }
                long lagRecords = Math.max(0, end - p.consumedOffset());
                long lagBytes = lagRecords == 0 ? 0 : head.logBytes() < 0 ? -1 : Math.max(0, head.logBytes() - Math.max(0, p.appliedLogBytes()));
                long lagMillis = lagRecords == 0 ? 0 : head.commitMicros() < 0 || p.commitMicros() <= 0 ? -1
                        : Math.max(0, (head.commitMicros() - p.commitMicros()) / 1000);
                rows.add(new Row(name, p.appliedOffset(), p.lsn() < 0 ? null : Lsn.format(p.lsn()), p.leaderEpoch(), lagRecords,
                        lagBytes, lagMillis, p.state(), now - p.reportedAtMillis(), p.error(), p.gtid()));
            }
            if (current.database().kind() == LeaderKind.MARIADB) {
                return new StatusReport(end, head.logBytes(), current.name(), current.leader().epoch(), current.leader().changeOffset(),
                        rows, null, null, LeaderBinlog.read(current.database(), timeout), SnapshotStatus.read(config, timeout));
            }
            return new StatusReport(end, head.logBytes(), current.name(), current.leader().epoch(), current.leader().changeOffset(), rows,
                    LeaderSlot.read(current.database(), Capture.slotName(config.stream(), current.leader()), timeout),
                    LeaderSync.read(current.database(), config.stream(), timeout), null, SnapshotStatus.read(config, timeout));
        }
    }

    /** The line of one follower. */
    public Row follower(String name) {
        return followers.stream().filter(r -> r.follower().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no follower '" + name + "' in this report"));
    }

    /** A table for people. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("log end offset: ").append(logEndOffset).append('\n');
        sb.append(snapshot.render()).append('\n');
        sb.append("leader: ").append(leader).append(" (epoch ").append(leaderEpoch)
                .append(leaderSinceOffset < 0 ? "" : ", since log offset " + leaderSinceOffset).append(")\n");
        if (leaderBinlog != null) {
            sb.append(leaderBinlog.render()).append('\n');
        } else {
            sb.append(leaderSlot.render()).append('\n');
            String sync = leaderSync.render();
            if (sync != null) {
                sb.append(sync).append('\n');
            }
        }
        sb.append(String.format("%-20s %14s %-14s %12s %12s %10s %-12s%n", "FOLLOWER", "APPLIED", leaderBinlog != null ? "LEADER GTID"
                : "LEADER LSN", "LAG (rec)", "LAG (bytes)", "LAG (ms)", "STATE"));
        for (Row r : followers) {
            String position = leaderBinlog != null ? r.appliedGtid() : r.appliedLsn();
            sb.append(String.format("%-20s %14s %-14s %12d %12s %10s %-12s%n", r.follower(),
                    r.appliedOffset() < 0 ? "-" : Long.toString(r.appliedOffset()), position == null ? "-" : position,
                    r.lagRecords(), r.lagBytes() < 0 ? "-" : Long.toString(r.lagBytes()),
                    r.lagMillis() < 0 ? "-" : Long.toString(r.lagMillis()),
                    r.state() == null ? "NEVER_REPORTED" : r.state().name()));
            if (r.error() != null) {
                sb.append("    error: ").append(r.error()).append('\n');
            }
        }
        return sb.toString();
    }
}
