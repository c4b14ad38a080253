package io.tailwater.config;

import java.util.Optional;

/** The kinds of leader database Tailwater captures from, recognised by JDBC URL scheme. */
public enum LeaderKind {
    POSTGRESQL("jdbc:postgresql://"),
    MARIADB("jdbc:mariadb://");

    private final String prefix;

    LeaderKind(String prefix) {
        this.prefix = prefix;
    }

    /** The {@code jdbc:xxx://} start of this kind's URLs. */
    public String prefix() {
        return prefix;
    }

    public static Optional<LeaderKind> fromJdbcUrl(String url) {
        for (LeaderKind kind : values()) {
            if (url != null && url.startsWith(kind.prefix)) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }
}
