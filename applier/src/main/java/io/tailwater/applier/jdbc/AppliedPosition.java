package io.tailwater.applier.jdbc;

/**
 * How far a follower has applied the log, stored in the follower's {@code tailwater_position}
 * table in the same transaction as the rows.
 *
 * @param logOffset offset of the last log record applied (a transaction end or heartbeat)
 * @param lsn the leader LSN of that record
 * @param txId the last applied leader transaction
 * @param commitMicros the leader commit time of that record, microseconds since the epoch
 * @param leaderEpoch the leader epoch of that record (0 until a failover)
 * @param logBytes bytes of log record values up to that record (see {@code LogHeaders.LOG_BYTES}), or -1
 * @param gtid a MariaDB leader's GTID position at that record ({@code 0-1-4711}); null for a PostgreSQL leader
 */
public record AppliedPosition(long logOffset, long lsn, String txId, long commitMicros, int leaderEpoch, long logBytes, String gtid) {
}
