package io.tailwater.log;

import io.tailwater.config.LeaderConfig;
import io.tailwater.config.StreamConfig;
import io.tailwater.schemas.event.LeaderChange;

import java.util.Optional;

/**
 * Who leads a stream, as its log records it: epoch 0 is the leader of the config's
 * {@code leader:} section; each {@link LeaderChange} starts the next epoch with a follower.
 *
 * @param epoch the current epoch
 * @param changeOffset the log offset of the leader change that started it, -1 for epoch 0
 * @param change that leader change; empty for epoch 0
 */
public record StreamLeader(int epoch, long changeOffset, Optional<LeaderChange> change) {
    /** The configured leader, epoch 0. */
    public static final StreamLeader CONFIGURED = new StreamLeader(0, -1, Optional.empty());

    static StreamLeader of(long offset, LeaderChange change) {
        return new StreamLeader(change.epoch(), offset, Optional.of(change));
    }

    /** How the configured leader is named: the config section it comes from. */
    public static final String CONFIGURED_NAME = "leader";

    /** The leader's name: {@link #CONFIGURED_NAME}, or the follower's. */
    public String name() {
        return follower().orElse(CONFIGURED_NAME);
    }

    /** The leader's database, with the stream's tables and Debezium settings: the config's leader section, or the follower's connection. */
    public LeaderConfig database(StreamConfig config) {
        return follower().map(f -> config.leader().on(config.follower(f))).orElse(config.leader());
    }

    /** The follower that leads, or empty while the configured leader does. */
    public Optional<String> follower() {
        return change.map(LeaderChange::leader);
    }

    /** How the leader is named in messages: {@code the configured leader} or {@code follower 'pg1'}. */
    public String describe() {
        return follower().map(f -> "follower '" + f + "'").orElse("the configured leader") + " (epoch " + epoch + ")";
    }
}
