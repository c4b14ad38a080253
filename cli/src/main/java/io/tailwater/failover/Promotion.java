package io.tailwater.failover;

import io.tailwater.applier.dialect.Dialects;
import io.tailwater.applier.jdbc.AppliedPosition;
import io.tailwater.applier.jdbc.FollowerStore;
import io.tailwater.capture.Capture;
import io.tailwater.capture.LeaderSlot;
import io.tailwater.capture.LeaderWrites;
import io.tailwater.capture.Takeover;
import io.tailwater.config.FollowerConfig;
import io.tailwater.config.FollowerKind;
import io.tailwater.config.StreamConfig;
import io.tailwater.log.LogTail;
import io.tailwater.schemas.event.LeaderChange;
import io.tailwater.schemas.event.Lsn;
import io.tailwater.schemas.event.SourcePosition;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.time.Duration;

/**
 * Makes a PostgreSQL follower the leader of its stream, as {@code tailwater promote} does.
 *
 * <ol>
 *   <li>Pre-flight, changing nothing: the follower can be captured ({@code wal_level},
 *       replication rights, keys) and has applied the log.</li>
 *   <li>When the old leader answers (switchover), its writes are stopped and capture drains
 *       what it committed into the log; when it does not (failover), the log's last position is
 *       what the new leader starts from, and the report says what may be lost.</li>
 *   <li>The stream's transactional id is taken ({@link Takeover}), fencing capture; the log's
 *       epoch must still be the one read at the start, or another promote won.</li>
 *   <li>Once the follower has applied the whole log, its publication and slot are made and the
 *       {@link LeaderChange} is written. The follower's applier stops at it; capture, restarted,
 *       reads from the new leader.</li>
 * </ol>
 */
public final class Promotion {
    private static final Logger LOG = LoggerFactory.getLogger(Promotion.class);

    /**
     * How a promote runs.
     *
     * @param follower the follower to promote
     * @param timeout how long to give each connection and each read of the log
     * @param drainTimeout how long capture may take to bring the old leader's last commits into the log
     * @param catchUpTimeout how long the follower may take to apply the whole log
     */
    public record Options(String follower, Duration timeout, Duration drainTimeout, Duration catchUpTimeout) {
    }

    /**
     * What a promote did.
     *
     * @param epoch the new epoch
     * @param changeOffset the log offset of the leader change
     * @param planned whether the old leader was drained (switchover) rather than lost (failover)
     * @param oldLeader the old leader's name
     * @param lastOldLeaderPosition the old leader's last position in the log
     */
    public record Result(int epoch, long changeOffset, boolean planned, String oldLeader, SourcePosition lastOldLeaderPosition) {
    }

    private final StreamConfig config;
    private final Options options;

    public Promotion(StreamConfig config, Options options) {
        this.config = config;
        this.options = options;
    }

    public Result run() {
        FollowerConfig candidate = config.follower(options.follower());
        if (candidate.kind() != FollowerKind.POSTGRESQL) {
            throw new PromotionException("follower '" + candidate.name() + "' is a " + candidate.kind().name().toLowerCase()
                    + " database; only a PostgreSQL follower can become the leader. Nothing was changed");
        }
        CurrentLeader old = CurrentLeader.read(config, options.timeout());
        if (old.name().equals(candidate.name())) {
            throw new PromotionException("follower '" + candidate.name() + "' is already the leader of stream '" + config.stream() + "' ("
                    + old.leader().describe() + "). Nothing was changed");
        }
        Takeover.check(config, candidate, options.timeout());
        long applied = appliedOffset(candidate);
        if (applied < 0) {
            throw new PromotionException("follower '" + candidate.name() + "' has applied nothing of stream '" + config.stream()
                    + "'; start its applier (tailwater apply) and let it catch up first. Nothing was changed");
        }
        boolean planned = LeaderWrites.reachable(old.database(), options.timeout());
        if (planned) {
            long stoppedAt = LeaderWrites.stop(old.database(), options.timeout());
            LOG.info("Switchover of stream '{}': writes on the old leader '{}' stopped at LSN {}; waiting for capture to log them",
                    config.stream(), old.name(), Lsn.format(stoppedAt));
            try {
                awaitLogged(old, stoppedAt);
            } catch (RuntimeException e) {
                CurrentLeader now = CurrentLeader.read(config, options.timeout());
                if (now.leader().epoch() != old.leader().epoch()) {
                    throw lostTo(now); // another promote fenced capture meanwhile and won: the old leader stays stopped
                }
                if (LeaderSlot.read(old.database(), Capture.slotName(config.stream(), old.leader().follower()), options.timeout()).active()) {
                    LeaderWrites.resume(old.database(), options.timeout());
                    throw e;
                }
                throw new PromotionException(e.getMessage().replace("; the old leader takes writes again", "")
                        + ". The old leader stays read-only: no capture is connected, which may mean another promote is under way."
                        + " Once none is, let it take writes again with ALTER DATABASE <db> RESET default_transaction_read_only, or"
                        + " promote again", e);
            }
        } else {
            LOG.warn("Failover of stream '{}': the old leader '{}' does not answer; promoting '{}' with what the log holds",
                    config.stream(), old.name(), candidate.name());
        }
        boolean committed = false;
        try (Takeover takeover = Takeover.fence(config, options.timeout())) {
            LogTail tail = takeover.tail();
            if (tail.leader().epoch() != old.leader().epoch()) {
                committed = true; // another promote changed the leader: the old one's writes stay stopped
                throw lostTo(CurrentLeader.of(config, tail));
            }
            long last = tail.leaderChangeIsLast() ? tail.leader().changeOffset()
                    : tail.lastMark().map(LogTail.Mark::offset).orElse(-1L);
            SourcePosition lastPosition = tail.lastMark().map(LogTail.Mark::source)
                    .orElseGet(() -> tail.leader().change().map(LeaderChange::lastOldLeaderPosition).orElse(new SourcePosition(0, -1, -1, 0, false)));
            awaitApplied(candidate, last);
            String start = takeover.prepare(candidate, options.timeout());
            LeaderChange change = new LeaderChange(old.leader().epoch() + 1, candidate.name(), "postgresql", tail.logEnd(), lastPosition,
                    planned, start);
            long offset;
            try {
                offset = takeover.commit(change);
            } catch (KafkaException e) {
                committed = true;
                CurrentLeader winner = awaitWinner(old);
                if (!winner.name().equals(candidate.name())) {
                    takeover.unprepare(candidate, options.timeout());
                }
                throw lostTo(winner);
            }
            committed = true;
            LOG.info("Stream '{}': follower '{}' is the leader from log offset {} (epoch {}, {})", config.stream(), candidate.name(), offset,
                    change.epoch(), planned ? "switchover" : "failover");
            return new Result(change.epoch(), offset, planned, old.name(), lastPosition);
        } finally {
            if (planned && !committed && CurrentLeader.read(config, options.timeout()).leader().epoch() == old.leader().epoch()) {
                LeaderWrites.resume(old.database(), options.timeout());
                LOG.info("Promote of stream '{}' did not complete: the old leader '{}' takes writes again; restart capture"
                        + " (tailwater capture), which the promote fenced", config.stream(), old.name());
            }
        }
    }

    /** Waits until the old leader's slot confirms {@code lsn}: the slot confirms only what the log durably holds. */
    private void awaitLogged(CurrentLeader old, long lsn) {
        long deadline = System.nanoTime() + options.drainTimeout().toNanos();
        String slotName = Capture.slotName(config.stream(), old.leader().follower());
        while (true) {
            LeaderSlot slot = LeaderSlot.read(old.database(), slotName, options.timeout());
            if (slot.confirmedFlushLsn() != null && Lsn.parse(slot.confirmedFlushLsn()) >= lsn) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new PromotionException("capture did not bring the old leader's last commits (up to LSN " + Lsn.format(lsn)
                        + ") into the log within " + options.drainTimeout().toSeconds() + "s: its slot '" + slotName + "' confirmed "
                        + (slot.confirmedFlushLsn() == null ? "nothing" : slot.confirmedFlushLsn()) + (slot.active() ? "" : ", and no capture"
                        + " is connected to it") + ". Start capture (tailwater capture) and promote again; the old leader takes writes again");
            }
            pause();
        }
    }

    /** Waits until the candidate has applied the log up to and including {@code offset}. */
    private void awaitApplied(FollowerConfig candidate, long offset) {
        long deadline = System.nanoTime() + options.catchUpTimeout().toNanos();
        long applied;
        while ((applied = appliedOffset(candidate)) < offset) {
            if (System.nanoTime() > deadline) {
                throw new PromotionException("follower '" + candidate.name() + "' applied the log up to offset " + applied + " but not to "
                        + offset + " within " + options.catchUpTimeout().toSeconds() + "s; is its applier running (tailwater status)?"
                        + " Nothing was written to the log");
            }
            pause();
        }
    }

    private long appliedOffset(FollowerConfig follower) {
        try (FollowerStore store = FollowerStore.open(follower, Dialects.of(follower.kind()), config.stream(), options.timeout())) {
            return store.position().map(AppliedPosition::logOffset).orElse(-1L);
        } catch (SQLException e) {
            throw new PromotionException("cannot read the position of follower '" + follower.name() + "': " + e.getMessage()
                    + "; check followers." + follower.name() + ".jdbc-url. Nothing was changed", e);
        }
    }

    /**
     * The leader after another promote fenced this one: it writes its leader change once its
     * follower has caught up, so that is waited for.
     */
    private CurrentLeader awaitWinner(CurrentLeader old) {
        long deadline = System.nanoTime() + options.catchUpTimeout().plus(options.timeout()).toNanos();
        CurrentLeader now;
        while ((now = CurrentLeader.read(config, options.timeout())).leader().epoch() == old.leader().epoch()) {
            if (System.nanoTime() > deadline) {
                throw new PromotionException("another process took over the transactional id of stream '" + config.stream()
                        + "' while this promote ran, but no leader change reached the log; the leader is still " + old.leader().describe()
                        + ". This promote wrote nothing to the log; see tailwater status, and promote again");
            }
            pause();
        }
        return now;
    }

    private PromotionException lostTo(CurrentLeader winner) {
        return new PromotionException("another promote of stream '" + config.stream() + "' won: the leader is now " + winner.leader().describe()
                + ", since log offset " + winner.leader().changeOffset() + ". This promote wrote nothing to the log");
    }

    /** The interval between two looks at a condition (the loops above wait for conditions, with deadlines). */
    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PromotionException("interrupted", e);
        }
    }
}
