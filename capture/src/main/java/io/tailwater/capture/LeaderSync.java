package io.tailwater.capture;

import io.tailwater.config.LeaderConfig;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;

/**
 * Whether the leader waits for capture before its commits return: synchronous capture
 * ({@code leader.synchronous: true}) is one of the leader's synchronous standbys when
 * {@code synchronous_standby_names} lists its name ({@code tailwater_<stream>}), as
 * {@code pg_stat_replication} shows.
 *
 * @param configured whether the stream's config asks for synchronous capture
 * @param name the name capture's replication connection has, which the leader must list
 * @param standbyNames the leader's {@code synchronous_standby_names}; null when unknown
 * @param syncState capture's {@code sync_state} ({@code sync}, {@code quorum}, {@code potential}, {@code async}); null when it is not connected
 * @param error why the leader could not be asked; null when it answered
 */
public record LeaderSync(boolean configured, String name, String standbyNames, String syncState, String error) {

    /** Asks the leader once, waiting at most {@code timeout}. */
    public static LeaderSync read(LeaderConfig leader, String stream, Duration timeout) {
        String name = Capture.slotName(stream);
        try (Connection c = LeaderChecks.connect(leader, timeout, false);
             PreparedStatement ps = c.prepareStatement("SELECT current_setting('synchronous_standby_names'),"
                     + " (SELECT sync_state FROM pg_stat_replication WHERE application_name = ? LIMIT 1)")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new LeaderSync(leader.synchronous(), name, rs.getString(1), rs.getString(2), null);
            }
        } catch (LeaderNotReadyException | SQLException e) {
            return new LeaderSync(leader.synchronous(), name, null, null, e.getMessage());
        }
    }

    /** Whether leader commits wait for capture now: it is a synchronous (or quorum) standby. */
    public boolean waitedFor() {
        return "sync".equals(syncState) || "quorum".equals(syncState);
    }

    /** Whether the leader lists capture's name among its synchronous standbys (a rough, case-insensitive match). */
    public boolean listed() {
        return standbyNames != null && standbyNames.toLowerCase(Locale.ROOT).contains(name);
    }

    /** One line for people, or null when synchronous capture is neither configured nor listed. */
    public String render() {
        if (!configured && !listed()) {
            return null;
        }
        if (error != null) {
            return "synchronous capture: cannot ask the leader: " + error;
        }
        if (waitedFor()) {
            return "synchronous capture: ON: leader commits return once the log holds them (" + name + " is a " + syncState + " standby)";
        }
        if (!configured) {
            return "synchronous capture: the leader lists " + name + " in synchronous_standby_names, but leader.synchronous is not"
                    + " true: capture's connection has another name, and leader commits may wait for a standby that never comes";
        }
        if (listed() && syncState == null) {
            return "synchronous capture: capture is NOT CONNECTED: leader commits WAIT until it is back. To go on asynchronously,"
                    + " run ALTER SYSTEM SET synchronous_standby_names = '' and SELECT pg_reload_conf() on the leader";
        }
        return "synchronous capture: configured, but the leader does not wait for " + name + " (synchronous_standby_names = '"
                + standbyNames + "'" + (syncState == null ? "" : ", sync_state " + syncState) + "): commits are asynchronous";
    }
}
