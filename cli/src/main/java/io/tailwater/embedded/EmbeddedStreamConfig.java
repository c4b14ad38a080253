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

    public static String yaml(String stream, EmbeddedKafka kafka, EmbeddedRegistry registry, String leaderUrl,
                              List<String> tables, Map<String, String> followers) {
        StringBuilder sb = new StringBuilder("""
                stream: %s
                kafka:
                  bootstrap.servers: %s
                topics:
                  replication-factor: 1
                registry:
                  url: %s
                leader:
                  jdbc-url: %s
                  user: postgres
                  tables: [%s]
                followers:
                """.formatted(stream, kafka.bootstrapServers(), registry.url(), leaderUrl, String.join(", ", tables.stream().map(t -> "'" + t.replace("'", "''") + "'").toList())));
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
