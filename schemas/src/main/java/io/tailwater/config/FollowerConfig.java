package io.tailwater.config;

import java.time.Duration;

/**
 * One follower database and how its applier groups leader transactions.
 *
 * @param name the follower's name in the config file
 * @param jdbcUrl JDBC URL; its scheme decides the follower's kind
 * @param user database user, may be null for file databases
 * @param password its password
 * @param maxGroupRows the most rows one follower transaction may hold (leader transactions are never split)
 * @param maxGroupDelay the longest a complete leader transaction waits for others to join its group
 * @param dropColumns whether a column the leader drops is dropped on the follower too; by default
 *                    the follower keeps it (nullable, no values from then on)
 * @param stopOnDivergence whether a leader update or delete of a row the follower lacks stops the
 *                         applier; by default it is reported and applied
 */
public record FollowerConfig(String name, String jdbcUrl, String user, Secret password,
                             int maxGroupRows, Duration maxGroupDelay, boolean dropColumns,
                             boolean stopOnDivergence) {

    /** The kind of database, read off the JDBC URL. */
    public FollowerKind kind() {
        return FollowerKind.fromJdbcUrl(jdbcUrl)
                .orElseThrow(() -> new ConfigException("followers." + name + ".jdbc-url",
                        "unsupported database in '" + FollowerKind.scheme(jdbcUrl) + "'"));
    }
}
