package io.tailwater.capture;

import io.tailwater.capture.mariadb.MariaDbLeaderChecks;
import io.tailwater.config.StreamConfig;
import io.tailwater.schemas.TableId;
import io.tailwater.schemas.event.Gtids;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides, at the start of a MariaDB leader's capture, where it resumes: from the binlog
 * position of the log's last transaction end, or from a new initial snapshot, for an empty log,
 * an interrupted snapshot, and, with {@code leader.on-slot-lost: resnapshot}, a leader that can
 * no longer give what follows the log: the binlog file the position is in has been purged, or
 * the leader's GTID position is behind the log's (a server restored from an older backup).
 * Otherwise capture stops: it never skips ahead.
 */
final class BinlogResumeCheck {
    private static final Logger LOG = LoggerFactory.getLogger(BinlogResumeCheck.class);

    private final StreamConfig config;
    private final Duration timeout;

    BinlogResumeCheck(StreamConfig config, Duration timeout) {
        this.config = config;
        this.timeout = timeout;
    }

    /**
     * The Debezium source offset to resume from, or null to take an initial snapshot (after
     * having {@code writer} empty the followers' tables first, where they hold a copy already).
     */
    String resumeOffset(Optional<ResumePoint> resume, List<String> tables, LogWriter writer) {
        if (resume.isEmpty()) {
            return null;
        }
        ResumePoint point = resume.get();
        if (point.isInterruptedSnapshot()) {
            LOG.info("The initial snapshot of stream '{}' was interrupted; taking it again (followers drop the partial copy first)",
                    config.stream());
            writer.truncateBeforeSnapshot(tables.stream().map(TableId::parse).toList());
            return null;
        }
        String lost = lost(point);
        if (lost == null) {
            return point.end().sourceOffset();
        }
        if (!config.leader().resnapshotOnSlotLost()) {
            throw new LeaderNotReadyException(lost + " Capture stopped without writing anything. Either set leader.on-slot-lost:"
                    + " resnapshot to take a new initial snapshot (every follower empties the stream's tables and copies them again),"
                    + " or rebuild the stream (delete its topics and the followers' copies, then start capture)");
        }
        LOG.warn("{} Taking a new initial snapshot (leader.on-slot-lost: resnapshot); followers empty the stream's tables first", lost);
        writer.truncateBeforeSnapshot(tables.stream().map(TableId::parse).toList());
        return null;
    }

    /** Why the leader cannot give what follows {@code point}; null when it can. */
    private String lost(ResumePoint point) {
        Map<String, Object> offset = point.offset();
        String where = "the log of stream '" + config.stream() + "' holds changes up to GTID position '" + point.end().source().gtid()
                + "' (binlog '" + offset.get("file") + "' at " + offset.get("pos") + ")";
        String leader = "the MariaDB leader at " + LeaderConnections.hostPart(config.leader().jdbcUrl());
        List<String> files = MariaDbLeaderChecks.binlogFiles(config.leader(), timeout);
        if (offset.get("file") instanceof String file && !files.contains(file)) {
            return where + ", but " + leader + " has purged that binlog (it keeps " + (files.isEmpty() ? "none"
                    : "'" + files.getFirst() + "' to '" + files.getLast() + "'") + "): what it committed in between can no longer be"
                    + " read, and capture will not go on past a gap. Keep binlogs longer (binlog_expire_logs_seconds) than capture"
                    + " may be down.";
        }
        if (point.end().source().gtid() != null) {
            Gtids logged = Gtids.parse(point.end().source().gtid());
            Gtids leaderHas = leaderGtids();
            if (!leaderHas.contains(logged)) {
                return where + ", but " + leader + " is at GTID position '" + leaderHas + "', behind it: the leader is not the server"
                        + " the log was read from, or it was restored from an older backup, and capture will not go on from a"
                        + " different history.";
            }
        }
        return null;
    }

    private Gtids leaderGtids() {
        try (Connection c = MariaDbLeaderChecks.connect(config.leader(), timeout); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT @@gtid_binlog_pos")) {
            rs.next();
            String pos = rs.getString(1);
            return pos == null || pos.isBlank() ? Gtids.NONE : Gtids.parse(pos);
        } catch (SQLException e) {
            throw new LeaderNotReadyException("cannot read the GTID position of the MariaDB leader at "
                    + LeaderConnections.hostPart(config.leader().jdbcUrl()) + ": " + e.getMessage(), new SQLException(e.getMessage(), "08006", e));
        }
    }
}
