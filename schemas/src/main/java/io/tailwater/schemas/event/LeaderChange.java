package io.tailwater.schemas.event;

/**
 * Starts a new leader epoch: from this record on, the stream's leader is the follower it names.
 * Written by {@code promote}, with the stream's transactional id (so no capture of the old
 * leader can write after it), before any row of the new epoch.
 *
 * @param epoch the new epoch (the configured leader's is 0)
 * @param leader the name of the follower that became the leader
 * @param leaderKind the kind of database it is, as in the config ({@code postgresql})
 * @param takeoverOffset the log offset from which the new leader's changes follow (this record's)
 * @param lastOldLeaderPosition the last position of the old leader that reached the log
 * @param planned whether the old leader was stopped and drained first (switchover), rather than lost (failover)
 * @param slot the replication slot on the new leader that capture reads from (made by this promote alone)
 * @param startOffset the source offset capture on the new leader starts from, as JSON
 */
public record LeaderChange(int epoch, String leader, String leaderKind, long takeoverOffset,
                           SourcePosition lastOldLeaderPosition, boolean planned, String slot, String startOffset) implements LogEvent {

    @Override
    public Kind kind() {
        return Kind.LEADER_CHANGE;
    }
}
