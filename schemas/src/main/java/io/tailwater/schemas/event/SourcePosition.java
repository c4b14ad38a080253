package io.tailwater.schemas.event;

/**
 * Where on the leader an event comes from.
 *
 * @param epoch the leader epoch (incremented by failover; 0 until then)
 * @param lsn the PostgreSQL log sequence number of the change or commit; -1 for a MariaDB leader
 * @param txId the leader transaction id (a MariaDB leader's: the sequence number of its GTID), or -1 for snapshot reads
 * @param timestampMicros the leader's commit time, microseconds since the epoch
 * @param snapshot whether the event was read by the initial snapshot
 * @param gtid a MariaDB leader's GTID position once the event's transaction is in ({@link Gtids} form); null for PostgreSQL
 */
public record SourcePosition(int epoch, long lsn, long txId, long timestampMicros, boolean snapshot, String gtid) {

    /** A PostgreSQL leader's position. */
    public SourcePosition(int epoch, long lsn, long txId, long timestampMicros, boolean snapshot) {
        this(epoch, lsn, txId, timestampMicros, snapshot, null);
    }
}
