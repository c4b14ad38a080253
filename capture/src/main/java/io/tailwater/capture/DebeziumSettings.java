package io.tailwater.capture;

import io.tailwater.capture.postgres.PgSnapshotQuery;
import io.tailwater.capture.postgres.PgValueConverter;
import io.tailwater.capture.postgres.ReplicationConnectionFactory;
import io.tailwater.config.ConfigException;
import io.tailwater.config.StreamConfig;
import org.postgresql.Driver;

import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * The Debezium PostgreSQL connector settings of a stream's capture: Tailwater's own converter
 * and snapshot query, transaction metadata, heartbeats that move the slot, failure on any value
 * it cannot convert, and the operator's {@code leader.debezium} settings, except those Tailwater
 * sets itself.
 */
final class DebeziumSettings {
    /** Writes a non-transactional logical decoding message, which moves the slot's stream forward; see {@link #of}. */
    static final String HEARTBEAT_ACTION_QUERY = "SELECT pg_logical_emit_message(false, 'tailwater-heartbeat', '')";
    /** A transactional message of the heartbeat's prefix: committed, it gives a resuming Debezium a commit to find. */
    static final String RESUME_MARK_QUERY = "SELECT pg_logical_emit_message(true, 'tailwater-heartbeat', '')";

    private DebeziumSettings() {
    }

    /**
     * The settings to capture from {@code primary}, one host of the leader's URL (see {@link LeaderPrimary}).
     *
     * @param published whether the stream's publication exists and is to be left as it is: Debezium would otherwise set
     *                  it to every matching table at its start, and a table created while capture was down would join
     *                  without its snapshot, its rows from before lost to the log
     */
    static Properties of(StreamConfig config, LeaderPrimary primary, String slot, String resumeOffset, boolean published) {
        Properties url = Driver.parseURL(config.leader().jdbcUrl(), new Properties());
        if (url == null) {
            throw new ConfigException("leader.jdbc-url", "not a valid PostgreSQL JDBC URL");
        }
        Properties p = new Properties();
        p.setProperty("name", "tailwater-" + config.stream());
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.setProperty("offset.storage", LogOffsetStore.class.getName());
        p.setProperty("offset.flush.interval.ms", "1000");
        if (resumeOffset != null) {
            p.setProperty(LogOffsetStore.RESUME_OFFSET, resumeOffset);
        }
        p.setProperty("database.hostname", primary.host());
        p.setProperty("database.port", Integer.toString(primary.port()));
        p.setProperty("database.dbname", url.getProperty("PGDBNAME"));
        if (config.leader().user() != null) {
            p.setProperty("database.user", config.leader().user());
        }
        if (config.leader().password().isPresent()) {
            p.setProperty("database.password", config.leader().password().value());
        }
        p.setProperty("topic.prefix", config.stream());
        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("slot.name", slot);
        // On PostgreSQL 17+ (Debezium asks), the slot is created as a failover slot: standbys with sync_replication_slots
        // keep a copy, and capture continues from it after a standby's promotion (see Capture#start for what it checks).
        p.setProperty("slot.failover", "true");
        p.setProperty("publication.name", Capture.slotName(config.stream())); // publications are per database: one name on every leader
        p.setProperty("publication.autocreate.mode", published ? "disabled" : "filtered");
        // Tailwater's own tables never match, even where a pattern would take them (a promoted follower holds them).
        p.setProperty("table.include.list", config.leader().tables().stream()
                .map(t -> t.matches("[\\w$]+\\.[\\w$]+") ? t.replace(".", "\\.") : t)
                .map(t -> "(?!.*\\." + LeaderChecks.OWN_TABLES + "$)(?:" + t + ")").collect(Collectors.joining(",")));
        p.setProperty("provide.transaction.metadata", "true");
        // Every column goes through Tailwater's own converter, and the snapshot reads every column as text: values are
        // exact, with no java.sql dates, no JVM time zone and no Julian calendar (see PgValueConverter).
        p.setProperty("converters", "tailwater");
        p.setProperty("tailwater.type", PgValueConverter.class.getName());
        p.setProperty("tailwater." + PgValueConverter.STREAM, config.stream());
        p.setProperty("snapshot.query.mode", "custom");
        p.setProperty("snapshot.query.mode.custom.name", PgSnapshotQuery.NAME);
        p.setProperty("include.unknown.datatypes", "true");
        p.setProperty("decimal.handling.mode", "precise");
        p.setProperty("time.precision.mode", "adaptive_time_microseconds");
        p.setProperty("interval.handling.mode", "string");
        p.setProperty("binary.handling.mode", "bytes");
        p.setProperty("column.propagate.source.type", ".*");
        p.setProperty("skipped.operations", "none");
        p.setProperty("tombstones.on.delete", "false");
        p.setProperty("heartbeat.interval.ms", "1000");
        // With every heartbeat, a logical decoding message goes into the leader's WAL. It reaches capture even when no
        // captured table changes (other tables, other databases, vacuum), and the heartbeat that follows it carries its
        // LSN: once the log holds that heartbeat, the slot confirms the LSN and the leader can recycle its WAL. The
        // messages themselves are not dispatched (no prefix is included), so only the heartbeat reaches the log.
        p.setProperty("heartbeat.action.query", HEARTBEAT_ACTION_QUERY);
        p.setProperty("message.prefix.exclude.list", ".*");
        p.setProperty("poll.interval.ms", "10");
        p.setProperty("max.batch.size", "4096");
        p.setProperty("max.queue.size", "16384");
        p.setProperty("snapshot.mode", "initial");
        p.setProperty("signal.enabled.channels", "in-process"); // blocking snapshots of tables created later
        p.setProperty("signal.poll.interval.ms", "500");
        p.setProperty("notification.enabled.channels", SnapshotNotifications.NAME); // when a new table's snapshot ended
        p.setProperty("errors.max.retries", "0");
        // A value Debezium cannot convert stops capture: by default it would log a warning and leave the row out.
        p.setProperty("event.converting.failure.handling.mode", "fail");
        p.setProperty("event.processing.failure.handling.mode", "fail");
        if (config.leader().synchronous()) {
            // A synchronous standby: the leader's synchronous_standby_names lists this name, and each commit is confirmed
            // as soon as the log holds it. Offsets are committed after every batch (Debezium flushes the slot's LSN at the
            // next poll after an offset commit, with the last commit's LSN the log holds); heartbeats come more often,
            // so that commits of other tables, which reach capture only through the heartbeats' WAL messages, wait less.
            p.setProperty("database.connection.factory.class", ReplicationConnectionFactory.class.getName());
            p.setProperty("database." + ReplicationConnectionFactory.APPLICATION_NAME, Capture.slotName(config.stream()));
            p.setProperty("offset.flush.interval.ms", "0");
            p.setProperty("heartbeat.interval.ms", "250");
            p.setProperty("poll.interval.ms", "1"); // a batch waits this long for more changes, and the leader's commit with it
        }
        p.putAll(config.leader().debezium());
        if (config.leader().synchronous()) {
            for (String ours : List.of("offset.flush.interval.ms", "database.connection.factory.class")) {
                if (config.leader().debezium().containsKey(ours)) {
                    throw new ConfigException("leader.debezium." + ours, "is set by Tailwater itself with leader.synchronous: true (capture"
                            + " confirms each commit once the log holds it); remove it from the stream config");
                }
            }
        }
        for (String ours : List.of("database.hostname", "database.port")) {
            if (config.leader().debezium().containsKey(ours)) {
                throw new ConfigException("leader.debezium." + ours, "is set by Tailwater itself: capture connects to the primary among"
                        + " the hosts of leader.jdbc-url; list the host there, and remove this from the stream config");
            }
        }
        for (String ours : List.of("converters", "snapshot.query.mode", "include.unknown.datatypes")) {
            if (config.leader().debezium().containsKey(ours)) {
                throw new ConfigException("leader.debezium." + ours,
                        "is set by Tailwater itself (it converts every value exactly); remove it from the stream config");
            }
        }
        for (String ours : List.of("heartbeat.action.query", "message.prefix.exclude.list", "message.prefix.include.list")) {
            if (config.leader().debezium().containsKey(ours)) {
                throw new ConfigException("leader.debezium." + ours, "is set by Tailwater itself (its heartbeats"
                        + " let the replication slot advance while the captured tables are quiet); remove it from the stream config");
            }
        }
        return p;
    }
}
