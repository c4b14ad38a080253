package io.tailwater.capture;

import io.tailwater.config.LeaderConfig;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * The stream's replication slot on the leader, as {@code pg_replication_slots} shows it: how much
 * write-ahead log the slot makes the leader keep, and how far capture has confirmed. A slot that
 * stops moving keeps WAL until the leader's disk fills, so {@code status} shows it.
 *
 * @param slot               the slot's name
 * @param exists             whether the slot exists (it does not before capture first starts)
 * @param active             whether a capture process is connected to it
 * @param confirmedFlushLsn  the LSN capture has confirmed, as PostgreSQL writes it; null when unknown
 * @param retainedWalBytes   WAL the slot holds back: from its {@code restart_lsn} to the leader's current LSN; -1 when unknown
 * @param unconfirmedBytes   WAL written since the confirmed LSN; -1 when unknown
 * @param walStatus          PostgreSQL's {@code wal_status} ({@code reserved}, {@code extended}, {@code unreserved}, {@code lost})
 * @param failover           whether it is a failover slot, which standbys with {@code sync_replication_slots} keep a copy of;
 *                           null before PostgreSQL 17, which has none
 * @param error              why the leader could not be asked; null when it answered
 */
public record LeaderSlot(String slot, boolean exists, boolean active, String confirmedFlushLsn, long retainedWalBytes,
                         long unconfirmedBytes, String walStatus, Boolean failover, String error) {

    /** Asks the leader once, waiting at most {@code timeout}; an unreachable leader gives a slot with {@link #error()}. */
    public static LeaderSlot read(LeaderConfig leader, String slot, Duration timeout) {
        try (Connection c = LeaderChecks.connect(leader, timeout, false);
             PreparedStatement ps = c.prepareStatement("""
                     SELECT active, confirmed_flush_lsn,
                            pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint,
                            pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint, wal_status,
                            (to_jsonb(s) ->> 'failover')::boolean
                     FROM pg_replication_slots s WHERE slot_name = ?""")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return new LeaderSlot(slot, false, false, null, 0, 0, null, null, null);
                }
                String confirmed = rs.getString(2);
                long retained = rs.getLong(3);
                boolean retainedKnown = !rs.wasNull();
                long unconfirmed = rs.getLong(4);
                boolean unconfirmedKnown = !rs.wasNull();
                boolean failover = rs.getBoolean(6);
                boolean failoverKnown = !rs.wasNull();
                return new LeaderSlot(slot, true, rs.getBoolean(1), confirmed, retainedKnown ? retained : -1,
                        unconfirmedKnown ? unconfirmed : -1, rs.getString(5), failoverKnown ? failover : null, null);
            }
        } catch (LeaderNotReadyException | SQLException e) {
            return new LeaderSlot(slot, false, false, null, -1, -1, null, null, e.getMessage());
        }
    }

    /** One line for people. */
    public String render() {
        if (error != null) {
            return "leader slot \"" + slot + "\": cannot ask the leader: " + error;
        }
        if (!exists) {
            return "leader slot \"" + slot + "\": does not exist (capture has not started)";
        }
        return "leader slot \"" + slot + "\": " + (active ? "active" : "INACTIVE (no capture connected)")
                + ", confirmed " + (confirmedFlushLsn == null ? "-" : confirmedFlushLsn)
                + ", retained WAL " + (retainedWalBytes < 0 ? "-" : retainedWalBytes + " bytes")
                + ", unconfirmed " + (unconfirmedBytes < 0 ? "-" : unconfirmedBytes + " bytes")
                + (walStatus == null ? "" : ", wal_status " + walStatus)
                + (failover == null ? "" : failover ? ", failover slot" : ", NOT a failover slot (a standby's promotion loses it)");
    }

    /**
     * Makes an existing slot a failover slot (PostgreSQL 17+, {@code ALTER_REPLICATION_SLOT}), so
     * that standbys keep a copy of it: a slot made before capture asked for failover slots, or
     * before the leader's upgrade to 17. The slot must not be in use.
     */
    static void makeFailover(LeaderConfig leader, String slot, Duration timeout) throws SQLException {
        try (Connection c = LeaderChecks.connectReplication(leader, timeout); Statement s = c.createStatement()) {
            s.execute("ALTER_REPLICATION_SLOT " + LeaderChecks.quote(slot) + " ( FAILOVER true )");
        }
    }
}
