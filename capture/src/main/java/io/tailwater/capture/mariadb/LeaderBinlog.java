package io.tailwater.capture.mariadb;

import io.tailwater.capture.LeaderNotReadyException;
import io.tailwater.config.LeaderConfig;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * The binlog of a MariaDB leader as {@code tailwater status} shows it: the leader's GTID
 * position, and the binlog files it keeps (capture resumes only from a file still there).
 *
 * @param gtidPosition the leader's {@code @@gtid_binlog_pos}; null when unknown
 * @param files how many binlog files the leader keeps; -1 when unknown
 * @param oldestFile the oldest of them; null when unknown
 * @param bytes their total size; -1 when unknown
 * @param error why the leader could not be asked; null when it answered
 */
public record LeaderBinlog(String gtidPosition, int files, String oldestFile, long bytes, String error) {

    /** Asks the leader once, waiting at most {@code timeout}; an unreachable leader gives a binlog with {@link #error()}. */
    public static LeaderBinlog read(LeaderConfig leader, Duration timeout) {
        try (Connection c = MariaDbLeaderChecks.connect(leader, timeout); Statement s = c.createStatement()) {
            String gtid;
            try (ResultSet rs = s.executeQuery("SELECT @@gtid_binlog_pos")) {
                rs.next();
                gtid = rs.getString(1);
            }
            int files = 0;
            String oldest = null;
            long bytes = 0;
            try (ResultSet rs = s.executeQuery("SHOW BINARY LOGS")) {
                while (rs.next()) {
                    oldest = files == 0 ? rs.getString(1) : oldest;
                    files++;
                    bytes += rs.getLong(2);
                }
            }
            return new LeaderBinlog(gtid, files, oldest, bytes, null);
        } catch (LeaderNotReadyException | SQLException e) {
            return new LeaderBinlog(null, -1, null, -1, e.getMessage());
        }
    }

    /** One line for people. */
    public String render() {
        if (error != null) {
            return "leader binlog: cannot ask the leader: " + error;
        }
        return "leader binlog: GTID position " + (gtidPosition == null || gtidPosition.isEmpty() ? "-" : gtidPosition) + ", " + files
                + " file(s) kept" + (oldestFile == null ? "" : " from '" + oldestFile + "'") + ", " + bytes + " bytes";
    }
}
