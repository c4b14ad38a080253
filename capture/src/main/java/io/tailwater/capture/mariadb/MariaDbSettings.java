package io.tailwater.capture.mariadb;

import io.tailwater.capture.LogOffsetStore;
import io.tailwater.config.ConfigException;
import io.tailwater.config.LeaderConfig;
import io.tailwater.config.StreamConfig;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The Debezium MariaDB connector settings of a stream's capture: the binlog read as a replica
 * with its own server id, Tailwater's exact converter, transaction metadata, the schema history
 * in Kafka next to the log ({@code <stream>.schema-history}), the snapshot's minimal global read
 * lock, failure on any value it cannot convert, and the operator's {@code leader.debezium}
 * settings, except those Tailwater sets itself.
 *
 * <p>The schema history is Debezium's {@code KafkaSchemaHistory}: each DDL statement it records
 * carries the binlog position it was read at, and a capture that starts again replays only the
 * statements at or before the log's resume position. A statement recorded by a capture killed
 * before the log's transaction committed is read from the binlog again, so the table
 * definitions always match the position the log resumes from.
 */
public final class MariaDbSettings {
    private static final Pattern URL = Pattern.compile("jdbc:mariadb://([^/:?,]+)(?::(\\d+))?(?:/[^?]*)?(?:\\?.*)?");
    /** Set by Tailwater; an operator's {@code leader.debezium} may not change them. */
    private static final List<String> OURS = List.of("connector.class", "offset.storage", "database.hostname", "database.port",
            "converters", "schema.history.internal", "schema.history.internal.kafka.topic", "provide.transaction.metadata",
            "snapshot.locking.mode", "database.initial.statements", "database.timezone", "time.precision.mode", "decimal.handling.mode",
            "binary.handling.mode", "bigint.unsigned.handling.mode",
            "snapshot.select.statement.overrides");

    private MariaDbSettings() {
    }

    /**
     * The settings to capture the stream's MariaDB leader from {@code resumeOffset}, or from a
     * snapshot when it is null, whose tables are read with {@code snapshotSelects} (see
     * {@link MariaDbSnapshotSelects}).
     */
    public static Properties of(StreamConfig config, String resumeOffset, Map<String, String> snapshotSelects) {
        LeaderConfig leader = config.leader();
        Matcher url = URL.matcher(leader.jdbcUrl());
        if (!url.matches()) {
            throw new ConfigException("leader.jdbc-url", "not a MariaDB JDBC URL with one host: jdbc:mariadb://host:port/database");
        }
        for (String ours : OURS) {
            if (leader.debezium().containsKey(ours)) {
                throw new ConfigException("leader.debezium." + ours, "is set by Tailwater itself for a MariaDB leader (it reads the"
                        + " binlog into the log with exact values and keeps the schema history next to it); remove it from the stream config");
            }
        }
        Properties p = new Properties();
        p.setProperty("name", "tailwater-" + config.stream());
        p.setProperty("connector.class", "io.debezium.connector.mariadb.MariaDbConnector");
        p.setProperty("offset.storage", LogOffsetStore.class.getName());
        p.setProperty("offset.flush.interval.ms", "1000");
        if (resumeOffset != null) {
            p.setProperty(LogOffsetStore.RESUME_OFFSET, resumeOffset);
        }
        p.setProperty("database.hostname", url.group(1));
        p.setProperty("database.port", url.group(2) == null ? "3306" : url.group(2));
        if (leader.user() != null) {
            p.setProperty("database.user", leader.user());
        }
        if (leader.password().isPresent()) {
            p.setProperty("database.password", leader.password().value());
        }
        // Capture reads the binlog as a replica does: under a server id no other replica of the leader uses.
        p.setProperty("database.server.id", Long.toString(serverId(config.stream())));
        p.setProperty("topic.prefix", config.stream());
        // Tailwater's own tables never match, even where a pattern would take them (a follower holds them).
        p.setProperty("table.include.list", leader.tables().stream()
                .map(t -> t.matches("[\\w$]+\\.[\\w$]+") ? t.replace(".", "\\.") : t)
                .map(t -> "(?!.*\\." + MariaDbLeaderChecks.OWN_TABLES + "$)(?:" + t + ")").collect(Collectors.joining(",")));
        p.setProperty("schema.history.internal", "io.debezium.storage.kafka.history.KafkaSchemaHistory");
        p.setProperty("schema.history.internal.kafka.topic", config.schemaHistoryTopic());
        p.setProperty("schema.history.internal.store.only.captured.tables.ddl", "true");
        p.setProperty("schema.history.internal.skip.unparseable.ddl", "false");
        for (Map.Entry<String, String> kafka : config.kafka().entrySet()) {
            if (kafka.getKey().equals("bootstrap.servers")) {
                p.setProperty("schema.history.internal.kafka.bootstrap.servers", kafka.getValue());
            } else {
                p.setProperty("schema.history.internal.producer." + kafka.getKey(), kafka.getValue());
                p.setProperty("schema.history.internal.consumer." + kafka.getKey(), kafka.getValue());
            }
        }
        p.setProperty("include.schema.changes", "false");
        p.setProperty("provide.transaction.metadata", "true");
        p.setProperty("skipped.operations", "none");
        p.setProperty("tombstones.on.delete", "false");
        // The global read lock is held only while the snapshot reads the binlog position and the table definitions; the
        // rows are read in one consistent-snapshot transaction without it.
        p.setProperty("snapshot.mode", "initial");
        p.setProperty("snapshot.locking.mode", "minimal");
        if (!snapshotSelects.isEmpty()) {
            p.setProperty("snapshot.select.statement.overrides", String.join(",", snapshotSelects.keySet()));
            snapshotSelects.forEach((table, select) -> p.setProperty("snapshot.select.statement.overrides." + table, select));
        }
        // The snapshot reads TIMESTAMP columns as text: in UTC, whatever the server's or the JVM's zone.
        // The driver's own session zone is UTC too: its default, the JVM's zone, fails on servers without zone tables.
        p.setProperty("database.timezone", "UTC");
        p.setProperty("database.initial.statements", "SET time_zone = '+00:00'");
        p.setProperty("converters", "tailwater");
        p.setProperty("tailwater.type", MariaDbValueConverter.class.getName());
        p.setProperty("tailwater." + MariaDbValueConverter.STREAM, config.stream());
        p.setProperty("decimal.handling.mode", "precise");
        p.setProperty("bigint.unsigned.handling.mode", "precise");
        p.setProperty("time.precision.mode", "adaptive_time_microseconds");
        p.setProperty("binary.handling.mode", "bytes");
        p.setProperty("column.propagate.source.type", ".*");
        p.setProperty("heartbeat.interval.ms", "1000");
        p.setProperty("poll.interval.ms", "10");
        p.setProperty("max.batch.size", "4096");
        p.setProperty("max.queue.size", "16384");
        p.setProperty("errors.max.retries", "0");
        // A value Debezium cannot convert, or a statement it cannot parse, stops capture: by default it would log a warning
        // and leave the row out.
        p.setProperty("event.converting.failure.handling.mode", "fail");
        p.setProperty("event.processing.failure.handling.mode", "fail");
        p.setProperty("inconsistent.schema.handling.mode", "fail");
        p.putAll(leader.debezium());
        return p;
    }

    /** A server id of the stream's own, in 1000..2^30+999: MariaDB refuses two replicas with one id. */
    static long serverId(String stream) {
        return 1000L + (stream.hashCode() & 0x3fffffff);
    }
}
