package io.tailwater.embedded;

import java.util.List;
import java.util.Map;

/**
 * The YAML config of a stream on embedded services (replication factor 1, the leader's
 * superuser), as the demo and the tests write it. Followers map a name to a JDBC URL; PostgreSQL
 * followers get the superuser too.
 */
public final class EmbeddedStreamConfig {
    private EmbeddedStreamConfig() {
    }

    public static String yaml(String stream, KafkaServer kafka, RegistryServer registry, String leaderUrl,
                              List<String> tables, Map<String, String> followers) {
        return yaml(stream, kafka.bootstrapServers(), Map.of(), registry.url(), leaderUrl,
                leaderUrl.startsWith("jdbc:mariadb:") ? "root" : "postgres", tables, followers);
    }

    /**
     * The same on any broker and registry, with more Kafka client settings and another leader user.
     *
     * @param kafkaSettings client settings besides {@code bootstrap.servers}
     */
    public static String yaml(String stream, String bootstrapServers, Map<String, String> kafkaSettings, String registryUrl,
                              String leaderUrl, String leaderUser, List<String> tables, Map<String, String> followers) {
        StringBuilder kafka = new StringBuilder();
        kafkaSettings.forEach((k, v) -> kafka.append("  ").append(k).append(": ").append(v).append('\n'));
        StringBuilder sb = new StringBuilder("""
                stream: %s
                kafka:
                  bootstrap.servers: %s
                %stopics:
                  replication-factor: 1
                registry:
                  url: %s
                leader:
                  jdbc-url: %s
                  user: %s
                  tables: [%s]
                followers:
                """.formatted(stream, bootstrapServers, kafka, registryUrl, leaderUrl, leaderUser,
                String.join(", ", tables.stream().map(t -> "'" + t.replace("'", "''") + "'").toList())));
        followers.forEach((name, url) -> {
            sb.append("  ").append(name).append(":\n    jdbc-url: ").append(url).append('\n');
            if (url.startsWith("jdbc:postgresql:")) {
                sb.append("    user: postgres\n");
            } else if (url.startsWith("jdbc:mariadb:")) {
                sb.append("    user: root\n");
            }
        });
        return sb.toString();
    }
}
