package io.tailwater.failover;

import io.tailwater.applier.jdbc.AppliedPosition;
import io.tailwater.applier.jdbc.FollowerStore;
import io.tailwater.applier.jdbc.PositionedEvent;
import io.tailwater.capture.Capture;
import io.tailwater.capture.LeaderIdentity;
import io.tailwater.capture.LeaderNotReadyException;
import io.tailwater.capture.LeaderSync;
import io.tailwater.capture.LeaderWrites;
import io.tailwater.capture.SlotBacklog;
import io.tailwater.config.FollowerConfig;
import io.tailwater.config.FollowerKind;
import io.tailwater.config.LeaderConfig;
import io.tailwater.config.StreamConfig;
import io.tailwater.log.KafkaClients;
import io.tailwater.log.LeaderHistory;
import io.tailwater.log.StreamLeader;
import io.tailwater.schemas.event.LeaderChange;
import io.tailwater.schemas.event.Lsn;
import io.tailwater.schemas.event.SourcePosition;
import io.tailwater.schemas.registry.SchemaRegistryClient;
import io.tailwater.schemas.serde.LogRecordSerde;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns a former leader into a follower of its stream, as {@code tailwater rejoin} does.
 *
 * <ol>
 *   <li>Its writes are stopped (database read-only for clients, sessions ended), so that
 *       nothing more commits there.</li>
 *   <li>Its replication slot of the epoch it led still holds every transaction it committed
 *       that capture had not confirmed; those the log lacks are the lost writes. They are written
 *       to the report, one line per changed row.</li>
 *   <li>Every row they touched is set to the log's state at the leader change that ended the
 *       epoch, in one transaction with the follower's position there (see {@link LogImages}).
 *       Its applier then goes on from that position like any follower's.</li>
 *   <li>The slot is dropped: it would keep WAL.</li>
 * </ol>
 * After a switchover the slot is gone already and nothing was lost: the position is set alone.
 */
public final class Rejoin {
    private static final Logger LOG = LoggerFactory.getLogger(Rejoin.class);

    /**
     * How a rejoin runs.
     *
     * @param follower the follower that is the former leader's database
     * @param timeout how long to give each connection and each read of the log
     * @param report where to write the lost writes
     */
    public record Options(String follower, Duration timeout, Path report) {
    }

    /**
     * What a rejoin did.
     *
     * @param ledEpoch the epoch the follower led
     * @param changeOffset the log offset of the leader change that ended it; the follower's position now
     * @param planned whether that change was a switchover (nothing could be lost)
     * @param lastLogged the former leader's last position in the log
     * @param lost the transactions it committed that the log lacks, as written to the report
     * @param restored how many row changes set the touched rows to the log's state
     * @param slot its replication slot of that epoch
     * @param slotDropped whether that slot was dropped
     * @param alreadyRejoined whether an earlier rejoin had done it all (nothing was changed)
     */
    public record Result(int ledEpoch, long changeOffset, boolean planned, SourcePosition lastLogged, List<SlotBacklog.Transaction> lost,
                         int restored, String slot, boolean slotDropped, boolean alreadyRejoined) {

        /** How many row changes the lost transactions made. */
        public int lostChanges() {
            return lost.stream().mapToInt(t -> t.changes().size()).sum();
        }
    }

    private final StreamConfig config;
    private final Options options;

    public Rejoin(StreamConfig config, Options options) {
        this.config = config;
        this.options = options;
    }

    public Result run() {
        FollowerConfig follower = config.follower(options.follower());
        if (follower.kind() != FollowerKind.POSTGRESQL) {
            throw new RejoinException("follower '" + follower.name() + "' is a " + follower.kind().name().toLowerCase()
                    + " database; only a PostgreSQL database can have led the stream. Nothing was changed");
        }
        LeaderHistory history = history();
        StreamLeader current = history.current();
        if (current.follower().filter(follower.name()::equals).isPresent()) {
            throw new RejoinException("follower '" + follower.name() + "' is the leader of stream '" + config.stream() + "' ("
                    + current.describe() + "); promote another follower first. Nothing was changed");
        }
        StreamLeader led = history.lastLedBy(follower.name()).orElseGet(() -> configuredLeader(follower));
        StreamLeader next = history.successor(led).orElseThrow(() -> new RejoinException("follower '" + follower.name()
                + "' is the configured leader's database, and no promote has happened: it leads stream '" + config.stream()
                + "'. Nothing was changed"));
        LeaderChange ended = next.change().orElseThrow();
        long at = next.changeOffset();
        LeaderConfig database = config.leader().on(follower);
        String slot = Capture.slotName(config.stream(), led);
        Optional<AppliedPosition> position = position(follower);
        if (position.isPresent() && position.get().logOffset() >= at) {
            // Done before; a slot left behind (its drop failed) holds nothing the rejoin has not handled.
            boolean dropped = LeaderWrites.dropSlot(database, slot, options.timeout());
            return new Result(led.epoch(), at, ended.planned(), ended.lastOldLeaderPosition(), List.of(), 0, slot, dropped, true);
        }
        LeaderSync sync = LeaderSync.read(database, config.stream(), options.timeout());
        if (sync.listed()) {
            throw new RejoinException("follower '" + follower.name() + "' lists capture (" + sync.name() + ") in its"
                    + " synchronous_standby_names ('" + sync.standbyNames() + "'), left from when it led: every commit there would wait"
                    + " for a capture that no longer reads it, the rejoin's and the applier's too. Remove it there (ALTER SYSTEM SET"
                    + " synchronous_standby_names = ''; SELECT pg_reload_conf()) and rejoin again. Nothing was changed");
        }
        LeaderWrites.stop(database, options.timeout()); // ends every client session there, so the store connects after it
        LOG.info("Rejoin of follower '{}' to stream '{}': its writes are stopped; reading slot '{}' of epoch {}", follower.name(),
                config.stream(), slot, led.epoch());
        Optional<List<SlotBacklog.Transaction>> held = SlotBacklog.peek(database, slot, Capture.slotName(config.stream()),
                options.timeout());
        if (held.isEmpty() && !ended.planned()) {
            throw new RejoinException("the replication slot \"" + slot + "\" of follower '" + follower.name() + "' (the leader of epoch "
                    + led.epoch() + ") is gone, so the writes it committed after " + lastLogged(ended) + " cannot be found."
                    + " Its writes are stopped (the database is read-only). Rebuild it: empty the stream's tables there, drop "
                    + FollowerStore.POSITION_TABLE + ", and start its applier (tailwater apply), which then applies the whole log");
        }
        List<SlotBacklog.Transaction> all = held.orElse(List.of());
        LogImages images = LogImages.read(config, options.timeout(), all, Math.max(0, led.changeOffset()), at);
        List<SlotBacklog.Transaction> lost = all.stream().filter(t -> !images.logged(t)).toList();
        LostWritesReport.write(options.report(), lost);
        List<PositionedEvent> restore = images.restore(all, lost, at);
        // A session that was committing when its writes were stopped, or one that turned read-only off, may have committed since.
        if (held.isPresent() && SlotBacklog.peek(database, slot, Capture.slotName(config.stream()), options.timeout()).orElse(List.of()).size()
                != all.size()) {
            throw new RejoinException("transactions committed on follower '" + follower.name() + "' while rejoin read its slot, after its"
                    + " writes were stopped (a session that set default_transaction_read_only off?). Nothing was changed but that its"
                    + " writes are stopped; end those sessions and rejoin again");
        }
        SourcePosition last = ended.lastOldLeaderPosition();
        try (FollowerStore store = StoredPositions.open(config, follower, options.timeout())) {
            store.reset(restore, new AppliedPosition(at, -1, last.txId() < 0 ? null : Long.toString(last.txId()), last.timestampMicros(),
                    next.epoch(), -1, null));
        } catch (SQLException e) {
            throw failed(follower, e);
        }
        boolean dropped = held.isPresent() && LeaderWrites.dropSlot(database, slot, options.timeout());
        LOG.info("Follower '{}' rejoined stream '{}' at log offset {}: {} lost transactions reported in {}, {} row changes restored",
                follower.name(), config.stream(), at, lost.size(), options.report(), restore.size());
        return new Result(led.epoch(), at, ended.planned(), last, lost, restore.size(), slot, dropped, false);
    }

    private Optional<AppliedPosition> position(FollowerConfig follower) {
        try {
            return StoredPositions.read(config, follower, options.timeout());
        } catch (SQLException e) {
            throw failed(follower, e);
        }
    }

    private static RejoinException failed(FollowerConfig follower, SQLException e) {
        return new RejoinException("follower '" + follower.name() + "' failed: " + e.getMessage() + "; nothing of the rejoin was"
                + " applied there (its position and rows are as they were; its writes are stopped). If a foreign key or a trigger of"
                + " the application refused the rows, disable it there for the rejoin; then rejoin again", e);
    }

    private LeaderHistory history() {
        LogRecordSerde serde = new LogRecordSerde(new SchemaRegistryClient(config.registry()));
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.consumer(config, "tailwater-rejoin-" + config.stream(), Map.of())) {
            return LeaderHistory.read(consumer, config, serde, options.timeout());
        }
    }

    /** The configured leader, when the follower is its database; a follower that never led is refused. */
    private StreamLeader configuredLeader(FollowerConfig follower) {
        LeaderConfig configured = config.leader();
        boolean same;
        try {
            same = configured.jdbcUrl().equals(follower.jdbcUrl())
                    || LeaderIdentity.read(configured, options.timeout()).equals(LeaderIdentity.read(configured.on(follower), options.timeout()));
        } catch (LeaderNotReadyException e) {
            throw new RejoinException("follower '" + follower.name() + "' never led stream '" + config.stream() + "' by its name, and"
                    + " whether it is the configured leader's database cannot be told: " + e.getMessage() + ". Nothing was changed", e);
        }
        if (!same) {
            throw new RejoinException("follower '" + follower.name() + "' never led stream '" + config.stream() + "', and its database is"
                    + " not the configured leader's: there is nothing to rejoin. Start its applier (tailwater apply). Nothing was changed");
        }
        return StreamLeader.CONFIGURED;
    }

    private static String lastLogged(LeaderChange ended) {
        long lsn = ended.lastOldLeaderPosition().lsn();
        return lsn < 0 ? "it became the leader" : "LSN " + Lsn.format(lsn);
    }
}
