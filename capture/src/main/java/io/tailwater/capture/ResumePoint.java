package io.tailwater.capture;

import io.tailwater.log.LogTail;
import io.tailwater.schemas.event.LeaderChange;
import io.tailwater.schemas.event.SourcePosition;
import io.tailwater.schemas.event.TransactionEnd;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where capture resumes: after the last committed transaction end of the log, or, when a
 * {@link LeaderChange} comes after it, at the start the new leader's slot was made at.
 *
 * @param end the last transaction end (for a leader change: one standing for its start offset)
 * @param logBytes the byte count of the log at its last stamped record, to continue from
 * @param leaderChange whether capture starts a new leader's epoch
 */
record ResumePoint(TransactionEnd end, long logBytes, boolean leaderChange) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The resume point the end of the log gives; empty for an empty log (the initial snapshot). */
    static Optional<ResumePoint> of(LogTail tail) {
        if (tail.leaderChangeIsLast()) {
            LeaderChange change = tail.leader().change().orElseThrow();
            SourcePosition start = new SourcePosition(change.epoch(), -1, -1, change.lastOldLeaderPosition().timestampMicros(), false);
            return Optional.of(new ResumePoint(new TransactionEnd("(start of epoch " + change.epoch() + ")", start, 0,
                    change.startOffset()), tail.logBytes(), true));
        }
        if (tail.lastTransactionEnd().isEmpty() && tail.logStart() > 0) {
            throw new IllegalStateException("the log starts at offset " + tail.logStart() + " (retention removed what came before) and"
                    + " holds no transaction end, and the stream's snapshot holds no watermark: the leader position to resume from is"
                    + " lost, and capture will not start over from a new snapshot on its own. Keep 'tailwater compact' running with a"
                    + " finite topics.log-retention");
        }
        return tail.lastTransactionEnd().map(end -> new ResumePoint(end, tail.logBytes(), false));
    }

    /** The offset keys of Debezium's PostgreSQL connector that hold positions in the WAL. */
    private static final List<String> LSN_KEYS = List.of("lsn", "lsn_proc", "lsn_commit");

    /**
     * The source offset to resume from, given the LSN the stream's slot has confirmed. The slot
     * only confirms what the log durably holds (records are marked processed after their Kafka
     * transaction commits), so a confirmed LSN past this transaction end was reached by
     * heartbeats alone: no captured transaction lies between. The offset then moves up to it, for
     * PostgreSQL has recycled the WAL before it and Debezium refuses an offset older than the
     * slot. Otherwise the offset stays as the log has it.
     */
    String sourceOffsetFor(long slotConfirmedLsn) {
        Map<String, Object> offset = offset();
        boolean behind = false;
        for (String key : LSN_KEYS) {
            if (offset.get(key) instanceof Number n && n.longValue() < slotConfirmedLsn) {
                offset.put(key, slotConfirmedLsn);
                behind = true;
            }
        }
        if (!behind) {
            return end.sourceOffset();
        }
        try {
            return JSON.writeValueAsString(offset);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a source offset", e);
        }
    }

    /** The source offset of the transaction end, as a map. */
    Map<String, Object> offset() {
        try {
            return JSON.readValue(end.sourceOffset(), new TypeReference<Map<String, Object>>() { });
        } catch (IOException e) {
            throw new IllegalStateException("the transaction end at the end of the log carries a source offset that is not JSON;"
                    + " the log was not written by Tailwater capture", e);
        }
    }

    /**
     * Why {@code leader} cannot continue the log from this point; null when it can, or when the
     * log does not say which WAL it was read from (a new leader's epoch starts, or an older
     * capture wrote the transaction end). Only the transaction end's own LSN counts: the slot may
     * have confirmed more, through heartbeats on the leader's present timeline.
     */
    String divergence(LeaderTimeline leader) {
        Map<String, Object> offset = offset();
        if (leaderChange || !(offset.get(LeaderTimeline.SYSTEM_KEY) instanceof String system)
                || !(offset.get(LeaderTimeline.TIMELINE_KEY) instanceof Number timeline)) {
            return null;
        }
        return leader.divergence(system, timeline.intValue(), end.source().lsn());
    }

    /**
     * Whether {@code end} closes a chunk of an initial snapshot that never finished: capture must
     * then take the snapshot again from a new slot (Debezium cannot resume a snapshot).
     */
    boolean isInterruptedSnapshot() {
        return end.source().snapshot() && !Boolean.TRUE.equals(offset().get("snapshot_completed"));
    }
}
