package io.tailwater.capture;

import io.tailwater.config.LeaderConfig;
import io.tailwater.schemas.event.Lsn;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Which write-ahead log a leader serves: its cluster's system identifier, its timeline, and where
 * each earlier timeline of its history ended, as its walsender tells them ({@code IDENTIFY_SYSTEM},
 * {@code TIMELINE_HISTORY}). A promoted standby starts a new timeline at the point its WAL left
 * its primary's. Capture stamps each transaction end in the log with the system and timeline it
 * read it from, and before it resumes checks that the leader's history holds the log's last
 * position: a standby promoted before it received everything the log holds has lost those
 * transactions, and WAL it writes later would be mistaken for what the log already has.
 *
 * @param systemId the cluster's system identifier
 * @param timeline the current timeline
 * @param ends     where each earlier timeline of this one's history ended (its switch point)
 */
record LeaderTimeline(String systemId, int timeline, Map<Integer, Long> ends) {
    /** The source offset keys capture adds to Debezium's in the log's transaction ends. */
    static final String SYSTEM_KEY = "tailwater_system";
    static final String TIMELINE_KEY = "tailwater_timeline";

    /** Asks the leader's walsender; one attempt, within {@code timeout}. */
    static LeaderTimeline read(LeaderConfig leader, Duration timeout) {
        try (Connection c = LeaderChecks.connectReplication(leader, timeout); Statement s = c.createStatement()) {
            String system;
            int timeline;
            try (ResultSet rs = s.executeQuery("IDENTIFY_SYSTEM")) {
                rs.next();
                system = rs.getString(1);
                timeline = rs.getInt(2);
            }
            Map<Integer, Long> ends = new HashMap<>();
            if (timeline > 1) {
                try (ResultSet rs = s.executeQuery("TIMELINE_HISTORY " + timeline)) {
                    rs.next();
                    ends = parseHistory(new String(rs.getBytes(2), StandardCharsets.UTF_8));
                }
            }
            return new LeaderTimeline(system, timeline, ends);
        } catch (SQLException e) {
            throw new LeaderNotReadyException("cannot read the leader's timeline (IDENTIFY_SYSTEM, TIMELINE_HISTORY on a replication"
                    + " connection): " + e.getMessage() + "; check that leader.user may open replication connections (pg_hba.conf)", e);
        }
    }

    /** The switch points of a timeline history file: lines of {@code <timeline> <tab> <LSN> <tab> <reason>}. */
    static Map<Integer, Long> parseHistory(String history) {
        Map<Integer, Long> ends = new HashMap<>();
        for (String line : history.split("\n")) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length >= 2 && fields[0].matches("\\d+")) {
                ends.put(Integer.parseInt(fields[0]), Lsn.parse(fields[1]));
            }
        }
        return ends;
    }

    /**
     * Why this leader cannot continue the log whose last transaction end was read from
     * {@code loggedSystem}, timeline {@code loggedTimeline}, and resumes at {@code resumeLsn};
     * null when it can.
     */
    String divergence(String loggedSystem, int loggedTimeline, long resumeLsn) {
        if (!systemId.equals(loggedSystem)) {
            return "it is another PostgreSQL cluster (system identifier " + systemId + ") than the one the log was read from ("
                    + loggedSystem + "; pg_upgrade gives a cluster a new one too)";
        }
        if (loggedTimeline == timeline) {
            return null;
        }
        if (loggedTimeline > timeline) {
            return "it is on timeline " + timeline + ", but the log was read on timeline " + loggedTimeline
                    + ": it is a server that a promotion left behind (the old primary, back?)";
        }
        Long end = ends.get(loggedTimeline);
        if (end == null) {
            return "its timeline " + timeline + " does not descend from timeline " + loggedTimeline + ", which the log was read on";
        }
        if (resumeLsn > end) {
            return "its timeline " + timeline + " left timeline " + loggedTimeline + " at LSN " + Lsn.format(end)
                    + ", but the log holds changes up to LSN " + Lsn.format(resumeLsn) + " of timeline " + loggedTimeline
                    + ": it was a standby promoted before it had received them, so it lacks transactions the log and the followers"
                    + " hold (on PostgreSQL 17+, synchronized_standby_slots on the primary keeps capture from getting ahead of a standby)";
        }
        return null;
    }

    @Override
    public String toString() {
        return "system " + systemId + ", timeline " + timeline;
    }
}
