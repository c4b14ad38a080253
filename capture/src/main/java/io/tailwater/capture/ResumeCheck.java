package io.tailwater.capture;

import io.tailwater.config.LeaderConfig;
import io.tailwater.config.StreamConfig;
import io.tailwater.log.StreamLeader;
import io.tailwater.schemas.TableId;
import io.tailwater.schemas.event.Lsn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Decides, at capture's start, where it resumes: after the log's last transaction end, from the
 * stream's slot on the leader's primary; or from a new initial snapshot, for an empty log, an
 * interrupted snapshot, and, with {@code leader.on-slot-lost: resnapshot}, a leader that can no
 * longer give what follows the log (its slot is missing, or its WAL history lacks the log's last
 * position, see {@link LeaderTimeline}). Otherwise, when the leader cannot continue the log,
 * capture stops: it never goes on past a gap.
 */
final class ResumeCheck {
    private static final Logger LOG = LoggerFactory.getLogger(ResumeCheck.class);

    private final StreamConfig config;
    private final String slot;
    /** The leader reached on its primary's host alone. */
    private final LeaderConfig primary;
    private final String primaryName;
    private final LeaderTimeline origin;
    private final Duration timeout;

    ResumeCheck(StreamConfig config, String slot, LeaderPrimary primary, LeaderTimeline origin, Duration timeout) {
        this.config = config;
        this.slot = slot;
        this.primary = config.leader().withJdbcUrl(primary.url(config.leader().jdbcUrl()));
        this.primaryName = primary.toString();
        this.origin = origin;
        this.timeout = timeout;
    }

    /**
     * The Debezium source offset to resume from, or null to take an initial snapshot (after
     * having {@code writer} empty the followers' tables first, where they hold a copy already).
     */
    String resumeOffset(Optional<ResumePoint> resume, StreamLeader leader, List<String> tables, LogWriter writer) {
        boolean interrupted = resume.isPresent() && resume.get().isInterruptedSnapshot();
        String lost = null;
        String resumeOffset = null;
        if (resume.isPresent() && !interrupted) {
            LeaderSlot leaderSlot = LeaderSlot.read(primary, slot, timeout);
            if (leaderSlot.error() != null) {
                // Not a missing slot: one not read. As a lost connection, so that a supervised capture tries again.
                throw new LeaderNotReadyException("cannot read the replication slot '" + slot + "' on " + primaryName + ": "
                        + leaderSlot.error() + "; capture stopped without writing anything", new SQLException(leaderSlot.error(), "08006"));
            }
            long confirmed = leaderSlot.confirmedFlushLsn() == null ? 0 : Lsn.parse(leaderSlot.confirmedFlushLsn());
            String diverged = leaderSlot.exists() ? resume.get().divergence(origin) : null;
            if (!leaderSlot.exists()) {
                lost = missingSlot(resume.get(), leader);
            } else if (diverged != null) {
                lost = "the leader of stream '" + config.stream() + "' at " + primaryName + " (" + origin + ") cannot continue its log: "
                        + diverged + ". Capture will not go on past a gap.";
            } else {
                if (Boolean.FALSE.equals(leaderSlot.failover()) && !"false".equals(config.leader().debezium().get("slot.failover"))) {
                    makeFailover();
                }
                resumeOffset = resume.get().sourceOffsetFor(confirmed);
                if (!resumeOffset.equals(resume.get().end().sourceOffset())) {
                    LOG.info("The slot of stream '{}' confirmed LSN {}, past the log's last transaction (heartbeats only in between);"
                            + " resuming there", config.stream(), leaderSlot.confirmedFlushLsn());
                }
                markResume();
            }
        }
        if (lost != null && !config.leader().resnapshotOnSlotLost()) {
            throw new LeaderNotReadyException(lost + " Capture stopped without writing anything. Either set leader.on-slot-lost:"
                    + " resnapshot to take a new initial snapshot (every follower empties the stream's tables and copies them again),"
                    + " or rebuild the stream (delete its topics and the followers' copies, then start capture)");
        }
        if (resume.isEmpty() || interrupted || lost != null) {
            // Nothing streamed is in the log yet, or what is cannot be continued: a slot left by an earlier attempt is
            // dropped so the snapshot and the slot start at the same point.
            LeaderChecks.dropSlot(primary, slot, timeout);
        }
        if (interrupted || lost != null) {
            if (lost != null) {
                LOG.warn("{} Taking a new initial snapshot (leader.on-slot-lost: resnapshot); followers empty the stream's tables first",
                        lost);
            } else {
                LOG.info("The initial snapshot of stream '{}' was interrupted; taking it again (followers drop the partial copy first)",
                        config.stream());
            }
            writer.truncateBeforeSnapshot(tables.stream().map(TableId::parse).toList());
        }
        return resumeOffset;
    }

    private String missingSlot(ResumePoint resume, StreamLeader leader) {
        String logHolds = "the log holds changes up to " + (resume.leaderChange() ? "the start of epoch " + leader.epoch()
                : "LSN " + Lsn.format(resume.end().source().lsn()));
        return "the replication slot '" + slot + "' of stream '" + config.stream() + "' is missing on " + leader.describe()
                + " at " + primaryName + ", but " + logHolds
                + ": what the leader committed after that can no longer be read, and capture will not go on past a gap."
                + " If this leader is a standby promoted since, its primary's slot was not synchronized to it: on"
                + " PostgreSQL 17+ capture creates a failover slot, and the standby needs sync_replication_slots = on,"
                + " hot_standby_feedback = on, primary_slot_name and a dbname in primary_conninfo (before PostgreSQL 17 no"
                + " slot survives a promotion). If the slot was dropped by mistake, the changes since are lost to the log.";
    }

    /**
     * Commits one transaction that holds only a logical decoding message, so that the WAL after the
     * resume point holds a commit. Debezium, resuming, passes nothing on until it has seen a commit
     * past the offset's: on a leader whose captured tables are quiet, its heartbeats would carry the
     * old position until the next captured commit, and {@code await}, {@code verify} and the slot
     * would not move. The message's prefix is one capture ignores, so the log gets nothing of it.
     * A failure costs only that wait, so it is logged and capture goes on.
     */
    private void markResume() {
        try (Connection c = LeaderChecks.connect(primary, timeout); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("SET LOCAL synchronous_commit = local"); // a synchronous capture, not started yet, must not be waited for
            s.execute(DebeziumSettings.RESUME_MARK_QUERY);
            c.commit();
        } catch (SQLException e) {
            LOG.warn("Cannot write the resume mark of stream '{}' on {}: {}; until the next commit to a captured table, heartbeats"
                    + " carry the log's last position", config.stream(), primaryName, e.getMessage());
        }
    }

    /** A slot made before failover slots were asked for (or before the upgrade to 17) becomes one. */
    private void makeFailover() {
        try {
            LeaderSlot.makeFailover(primary, slot, timeout);
            LOG.info("The slot '{}' of stream '{}' is now a failover slot: standbys with sync_replication_slots keep a copy",
                    slot, config.stream());
        } catch (SQLException e) {
            LOG.warn("Cannot make the slot '{}' of stream '{}' a failover slot: {}; a standby's promotion would lose it. Capture"
                    + " tries again at its next start; or run ALTER_REPLICATION_SLOT \"{}\" ( FAILOVER true ) on a replication"
                    + " connection while no one reads the slot", slot, config.stream(), e.getMessage(), slot);
        }
    }
}
