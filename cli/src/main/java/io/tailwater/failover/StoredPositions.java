package io.tailwater.failover;

import io.tailwater.applier.dialect.Dialects;
import io.tailwater.applier.jdbc.AppliedPosition;
import io.tailwater.applier.jdbc.FollowerStore;
import io.tailwater.config.FollowerConfig;
import io.tailwater.config.StreamConfig;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;

/** The positions followers store, as promote, rejoin and automatic failover read them, each over a connection of its own. */
final class StoredPositions {
    private StoredPositions() {
    }

    /** A connection to the follower's store of the stream's position. */
    static FollowerStore open(StreamConfig config, FollowerConfig follower, Duration timeout) throws SQLException {
        return FollowerStore.open(follower, Dialects.of(follower.kind()), config.stream(), timeout);
    }

    /** The follower's stored position; empty when it has applied nothing. */
    static Optional<AppliedPosition> read(StreamConfig config, FollowerConfig follower, Duration timeout) throws SQLException {
        try (FollowerStore store = open(config, follower, timeout)) {
            return store.position();
        }
    }

    /** The last log offset the follower applied, or -1. */
    static long appliedOffset(FollowerStore store) throws SQLException {
        return store.position().map(AppliedPosition::logOffset).orElse(-1L);
    }
}
