package io.tailwater.config;

import java.time.Duration;
import java.util.Map;

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
 * @param columnTypes the SQL type this follower gives a leader column when it creates or adds it,
 *                    by {@code "<schema>.<table>.<column>"}, in place of the dialect's own
 */
public record FollowerConfig(String name, String jdbcUrl, String user, Secret password,
                             int maxGroupRows, Duration maxGroupDelay, boolean dropColumns,
                             boolean stopOnDivergence, Map<String, String> columnTypes) {

    public FollowerConfig {
        columnTypes = Map.copyOf(columnTypes);
    }

    /** The configured type of a leader column on this follower, if any. */
    public java.util.Optional<String> columnType(io.tailwater.schemas.TableId table, String column) {
        return java.util.Optional.ofNullable(columnTypes.get(table.schema() + "." + table.table() + "." + column));
    }

    /** The kind of database, read off the JDBC URL. */
    public FollowerKind kind() {
        return FollowerKind.fromJdbcUrl(jdbcUrl)
                .orElseThrow(() -> new ConfigException("followers." + name + ".jdbc-url",
                        "unsupported database in '" + FollowerKind.scheme(jdbcUrl) + "'"));
    }
}
