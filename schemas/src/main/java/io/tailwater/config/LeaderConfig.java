package io.tailwater.config;

import java.util.List;
import java.util.Map;

/**
 * The leader database that capture reads.
 *
 * @param jdbcUrl JDBC URL of the leader, {@code jdbc:postgresql://host:port/db}
 * @param user replication user
 * @param password its password
 * @param tables table names ({@code schema.table}) or regular expressions to replicate
 * @param debezium extra Debezium connector properties, passed through as they are
 */
public record LeaderConfig(String jdbcUrl, String user, Secret password, List<String> tables,
                           Map<String, String> debezium) {
}
