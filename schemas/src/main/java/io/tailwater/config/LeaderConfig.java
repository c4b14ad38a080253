package io.tailwater.config;

import java.util.List;
import java.util.Map;

/**
 * The leader database that capture reads.
 *
 * @param jdbcUrl JDBC URL of the leader, {@code jdbc:postgresql://host:port/db} or {@code jdbc:mariadb://host:port/db}
 * @param user replication user
 * @param password its password
 * @param tables table names ({@code schema.table}) or regular expressions to replicate
 * @param debezium extra Debezium connector properties, passed through as they are
 * @param synchronous whether capture is a synchronous standby of the leader: its replication connection is named
 *                    {@code tailwater_<stream>} (for {@code synchronous_standby_names}) and it confirms each commit as
 *                    soon as the log holds it
 * @param resnapshotOnSlotLost whether capture takes a new initial snapshot when the leader can no longer give what follows
 *                    the log (its slot is missing, or it is a standby promoted before it had everything the log holds);
 *                    otherwise it stops and says so
 * @param decoder what reads a PostgreSQL leader's changes once capture streams
 */
public record LeaderConfig(String jdbcUrl, String user, Secret password, List<String> tables,
                           Map<String, String> debezium, boolean synchronous, boolean resnapshotOnSlotLost,
                           StreamingDecoder decoder) {

    /** The leader's database kind, from its URL (validated by the config loader). */
    public LeaderKind kind() {
        return LeaderKind.fromJdbcUrl(jdbcUrl).orElseThrow(() -> new ConfigException("leader.jdbc-url",
                "the leader must be PostgreSQL or MariaDB"));
    }

    /** This leader's tables and Debezium settings on another database: a follower that became the leader. */
    public LeaderConfig on(FollowerConfig follower) {
        return new LeaderConfig(follower.jdbcUrl(), follower.user(), follower.password(), tables, debezium, synchronous,
                resnapshotOnSlotLost, decoder);
    }

    /** The same leader reached through another URL (one host of a URL that lists several). */
    public LeaderConfig withJdbcUrl(String url) {
        return new LeaderConfig(url, user, password, tables, debezium, synchronous, resnapshotOnSlotLost, decoder);
    }

    /** The same leader with synchronous capture on or off. */
    public LeaderConfig withSynchronous(boolean on) {
        return new LeaderConfig(jdbcUrl, user, password, tables, debezium, on, resnapshotOnSlotLost, decoder);
    }

    /** The same leader read by {@code other} once capture streams. */
    public LeaderConfig withDecoder(StreamingDecoder other) {
        return new LeaderConfig(jdbcUrl, user, password, tables, debezium, synchronous, resnapshotOnSlotLost, other);
    }

    /** The regular expression a {@code tables} entry stands for: a plain {@code schema.table} matches only itself. */
    public static String tablePattern(String entry) {
        return entry.matches("[\\w$]+\\.[\\w$]+") ? java.util.regex.Pattern.quote(entry) : entry;
    }
}
