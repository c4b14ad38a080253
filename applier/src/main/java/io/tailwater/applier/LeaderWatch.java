package io.tailwater.applier;

import io.tailwater.config.StreamConfig;
import io.tailwater.log.LogTail;
import io.tailwater.log.StreamLeader;
import io.tailwater.schemas.event.LeaderChange;
import io.tailwater.schemas.serde.LogRecordSerde;
import org.apache.kafka.clients.consumer.KafkaConsumer;

import java.time.Duration;

/**
 * What the stream's leader changes mean for one follower's applier: it does not run while its
 * follower leads, stops at the leader change that promotes it, and refuses to replay an epoch
 * its follower led before (it may hold writes of its own that the log lacks).
 */
final class LeaderWatch {
    private final StreamConfig config;
    private final String follower;
    private final StreamLeader startLeader;

    private LeaderWatch(StreamConfig config, String follower, StreamLeader startLeader) {
        this.config = config;
        this.follower = follower;
        this.startLeader = startLeader;
    }

    /** Reads the leader off the log's end; refuses when it is {@code follower}. */
    static LeaderWatch start(KafkaConsumer<byte[], byte[]> consumer, StreamConfig config, LogRecordSerde serde, Duration timeout,
                             String follower) {
        StreamLeader leader = LogTail.read(consumer, config, serde, timeout).leader();
        if (leader.follower().filter(follower::equals).isPresent()) {
            throw new ApplierException("follower '" + follower + "' is the leader of stream '" + config.stream() + "' since log offset "
                    + leader.changeOffset() + " (epoch " + leader.epoch() + "); its applier does not run: capture reads from it"
                    + " (tailwater capture)", leader.changeOffset(), null);
        }
        return new LeaderWatch(config, follower, leader);
    }

    /**
     * Whether the leader change at {@code offset} makes this follower the leader: it names the
     * follower, in an epoch as new as the one the applier started in.
     *
     * @param appliedOffset where the follower stays if the change is of an epoch it led before
     * @throws ApplierException for such an earlier epoch
     */
    boolean promotes(LeaderChange c, long offset, long appliedOffset) {
        if (!c.leader().equals(follower)) {
            return false;
        }
        if (c.epoch() >= startLeader.epoch()) {
            return true;
        }
        throw new ApplierException("follower '" + follower + "' led stream '" + config.stream() + "' in epoch " + c.epoch()
                + " (from log offset " + offset + "), and " + startLeader.describe() + " leads it now: it may hold writes of its own"
                + " that the log lacks, and applying the log from its stored position would keep them. It stays at log offset "
                + appliedOffset + "; rebuild it from a fresh copy of the leader", offset, null);
    }
}
