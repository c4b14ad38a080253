package io.tailwater.failover;

import io.tailwater.applier.jdbc.AppliedPosition;
import io.tailwater.applier.jdbc.FollowerStore;
import io.tailwater.capture.Capture;
import io.tailwater.capture.LeaderSlot;
import io.tailwater.capture.LeaderWrites;
import io.tailwater.capture.Takeover;
import io.tailwater.config.FollowerConfig;
import io.tailwater.config.FollowerKind;
import io.tailwater.config.LeaderConfig;
import io.tailwater.config.StreamConfig;
import io.tailwater.log.LogTail;
import io.tailwater.schemas.event.LeaderChange;
import io.tailwater.schemas.event.Lsn;
import io.tailwater.schemas.event.SourcePosition;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
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
     * @param oldSlotDropped whether the old leader's slot was dropped (after a switchover; it would keep WAL there)
     */
    public record Result(int epoch, long changeOffset, boolean planned, String oldLeader, SourcePosition lastOldLeaderPosition,
                         boolean oldSlotDropped) {
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
        if (!LeaderWrites.reachable(old.database(), options.timeout())) {
            LOG.warn("Failover of stream '{}': the old leader '{}' does not answer; promoting '{}' with what the log holds",
                    config.stream(), old.name(), candidate.name());
            return promote(candidate, old, false);
        }
        // Promotes of this stream take turns on the old leader; one that waited finds the leader changed and says by whom.
        try (LeaderWrites.PromoteLock lock = LeaderWrites.lock(old.database(), config.stream(), options.timeout(),
                options.drainTimeout().plus(options.catchUpTimeout()))) {
            CurrentLeader now = CurrentLeader.read(config, options.timeout());
            if (now.leader().epoch() != old.leader().epoch()) {
                throw lostTo(now);
            }
            return promote(candidate, old, true);
        }
    }

    /** The promote itself; {@code planned} when the old leader answers and this promote holds its promote lock. */
    private Result promote(FollowerConfig candidate, CurrentLeader old, boolean planned) {
        if (old.name().equals(candidate.name())) {
            throw new PromotionException("follower '" + candidate.name() + "' is already the leader of stream '" + config.stream() + "' ("
                    + old.leader().describe() + "). Nothing was changed");
        }
        if (!Takeover.snapshotComplete(old.tail())) {
            throw new PromotionException("the initial snapshot of stream '" + config.stream() + "' is not complete in the log; a new"
                    + " leader would start without the rest of it. Let capture finish the snapshot, then promote. Nothing was changed");
        }
        Takeover.check(config, candidate, options.timeout());
        if (appliedOffset(candidate) < 0) {
            throw new PromotionException("follower '" + candidate.name() + "' has applied nothing of stream '" + config.stream()
                    + "'; start its applier (tailwater apply) and let it catch up first. Nothing was changed");
        }
        State state = new State(planned);
        try {
            if (planned) {
                long stoppedAt = LeaderWrites.stop(old.database(), options.timeout());
                state.oldLeaderStopped = true;
                LOG.info("Switchover of stream '{}': writes on the old leader '{}' stopped at LSN {}; waiting for capture to log them",
                        config.stream(), old.name(), Lsn.format(stoppedAt));
                awaitLogged(old, stoppedAt);
            }
            try (Takeover takeover = Takeover.fence(config, options.timeout())) {
                state.captureFenced = true;
                LogTail tail = takeover.tail();
                if (tail.leader().epoch() != old.leader().epoch()) {
                    state.otherWon = true;
                    throw lostTo(CurrentLeader.of(config, tail));
                }
                long last = tail.lastMark().map(LogTail.Mark::offset)
                        .orElse(tail.leaderChangeIsLast() ? tail.leader().changeOffset() : -1L);
                SourcePosition lastPosition = tail.lastMark().map(LogTail.Mark::source)
                        .orElseGet(() -> new SourcePosition(tail.leader().epoch(), -1, -1, 0, false));
                awaitApplied(candidate, last);
                int epoch = old.leader().epoch() + 1;
                Takeover.Prepared prepared = takeover.prepare(candidate, epoch, options.timeout());
                LeaderChange change = new LeaderChange(epoch, candidate.name(), "postgresql", tail.logEnd(), lastPosition, planned,
                        prepared.slot(), prepared.startOffset());
                long offset;
                try {
                    offset = takeover.commit(change);
                } catch (ProducerFencedException | InvalidProducerEpochException e) {
                    takeover.unprepare(candidate, prepared, options.timeout());
                    throw taken(old, state);
                } catch (KafkaException e) {
                    CurrentLeader now = CurrentLeader.read(config, options.timeout());
                    if (now.leader().change().map(LeaderChange::slot).filter(prepared.slot()::equals).isEmpty()) {
                        takeover.unprepare(candidate, prepared, options.timeout());
                        throw new PromotionException("the leader change could not be written to the log: " + e.getMessage(), e);
                    }
                    offset = now.leader().changeOffset(); // it was written: the failure came after
                }
                state.done = true;
                LOG.info("Stream '{}': follower '{}' is the leader from log offset {} (epoch {}, {})", config.stream(), candidate.name(),
                        offset, epoch, planned ? "switchover" : "failover");
                LeaderConfig newLeader = config.leader().on(candidate);
                if (!LeaderWrites.writable(newLeader, options.timeout())) {
                    try {
                        LeaderWrites.resume(newLeader, options.timeout()); // a former leader that rejoined was read-only for clients
                    } catch (RuntimeException e) {
                        LOG.error("Stream '{}': follower '{}' leads, but its database stays read-only for clients: {}", config.stream(),
                                candidate.name(), e.getMessage());
                    }
                }
                boolean oldSlotDropped = planned && LeaderWrites.dropSlot(old.database(), Capture.slotName(config.stream(), old.leader()),
                        options.timeout());
                return new Result(epoch, offset, planned, old.name(), lastPosition, oldSlotDropped);
            }
        } catch (RuntimeException e) {
            throw state.explain(e, old);
        }
    }

    /**
     * What a promote has changed so far, so that a failure undoes what it may and says what is
     * left: a fenced capture to restart, an old leader that takes writes again or stays stopped.
     */
    private final class State {
        final boolean planned;
        boolean oldLeaderStopped;
        boolean captureFenced;
        boolean otherWon;
        boolean done;

        State(boolean planned) {
            this.planned = planned;
        }

        PromotionException explain(RuntimeException failure, CurrentLeader old) {
            if (done) {
                return failure instanceof PromotionException p ? p : new PromotionException(failure.getMessage(), failure);
            }
            StringBuilder left = new StringBuilder(failure.getMessage());
            if (oldLeaderStopped && !otherWon) {
                try {
                    LeaderWrites.resume(old.database(), options.timeout());
                    left.append(". The old leader '").append(old.name()).append("' takes writes again");
                } catch (RuntimeException e) {
                    failure.addSuppressed(e);
                    left.append(". The old leader '").append(old.name()).append("' is still read-only: ").append(e.getMessage());
                }
            }
            if (captureFenced && !otherWon) {
                left.append(". Capture of stream '").append(config.stream()).append("' was fenced by this promote: restart it")
                        .append(" (tailwater capture)");
            }
            return new PromotionException(left.toString(), failure);
        }
    }

    /** The transactional id was taken while this promote held it: by another promote, or by a capture started meanwhile. */
    private PromotionException taken(CurrentLeader old, State state) {
        long deadline = System.nanoTime() + options.catchUpTimeout().plus(options.timeout()).toNanos();
        String slot = Capture.slotName(config.stream(), old.leader());
        while (true) {
            CurrentLeader now = CurrentLeader.read(config, options.timeout());
            if (now.leader().epoch() != old.leader().epoch()) {
                state.otherWon = true;
                return lostTo(now);
            }
            if (state.planned && LeaderSlot.read(old.database(), slot, options.timeout()).active()) {
                return new PromotionException("a capture of stream '" + config.stream() + "' was started while this promote ran and took"
                        + " over the stream's transactional id; this promote wrote nothing to the log. Keep capture's supervisor from"
                        + " restarting it during a promote, and promote again");
            }
            if (System.nanoTime() > deadline) {
                return new PromotionException("another process took over the transactional id of stream '" + config.stream()
                        + "' while this promote ran, but no leader change reached the log; this promote wrote nothing to the log."
                        + " See tailwater status, and promote again");
            }
            pause();
        }
    }

    /** Waits until the old leader's slot confirms {@code lsn}: the slot confirms only what the log durably holds. */
    private void awaitLogged(CurrentLeader old, long lsn) {
        long deadline = System.nanoTime() + options.drainTimeout().toNanos();
        String slotName = Capture.slotName(config.stream(), old.leader());
        while (true) {
            LeaderSlot slot = LeaderSlot.read(old.database(), slotName, options.timeout());
            if (slot.confirmedFlushLsn() != null && Lsn.parse(slot.confirmedFlushLsn()) >= lsn) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new PromotionException("capture did not bring the old leader's last commits (up to LSN " + Lsn.format(lsn)
                        + ") into the log within " + options.drainTimeout().toSeconds() + "s: its slot '" + slotName + "' confirmed "
                        + (slot.confirmedFlushLsn() == null ? "nothing" : slot.confirmedFlushLsn()) + (slot.active() ? "" : ", and no capture"
                        + " is connected to it") + ". Start capture (tailwater capture) and promote again");
            }
            pause();
        }
    }

    /** Waits until the candidate has applied the log up to and including {@code offset}, asking it over one connection. */
    private void awaitApplied(FollowerConfig candidate, long offset) {
        long deadline = System.nanoTime() + options.catchUpTimeout().toNanos();
        try (FollowerStore store = StoredPositions.open(config, candidate, options.timeout())) {
            long applied;
            while ((applied = StoredPositions.appliedOffset(store)) < offset) {
                if (System.nanoTime() > deadline) {
                    throw new PromotionException("follower '" + candidate.name() + "' applied the log up to offset " + applied + " but not to "
                            + offset + " within " + options.catchUpTimeout().toSeconds() + "s; is its applier running (tailwater status)?"
                            + " Nothing was written to the log");
                }
                pause();
            }
        } catch (SQLException e) {
            throw cannotRead(candidate, e);
        }
    }

    /** The last log offset the follower has applied, or -1. */
    private long appliedOffset(FollowerConfig follower) {
        try {
            return StoredPositions.read(config, follower, options.timeout()).map(AppliedPosition::logOffset).orElse(-1L);
        } catch (SQLException e) {
            throw cannotRead(follower, e);
        }
    }

    private PromotionException cannotRead(FollowerConfig follower, SQLException e) {
        return new PromotionException("cannot read the position of follower '" + follower.name() + "': " + e.getMessage()
                + "; check followers." + follower.name() + ".jdbc-url", e);
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
