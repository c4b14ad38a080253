package io.tailwater.schemas.event;

/**
 * Where on the leader an event comes from.
 *
 * @param epoch the leader epoch (incremented by failover; 0 until then)
 * @param lsn the PostgreSQL log sequence number of the change or commit
 * @param txId the leader transaction id, or -1 for snapshot reads
 * @param timestampMicros the leader's commit time, microseconds since the epoch
 * @param snapshot whether the event was read by the initial snapshot
 */
public record SourcePosition(int epoch, long lsn, long txId, long timestampMicros, boolean snapshot) {
}
