package io.tailwater.config;

import java.util.Optional;

/** The kinds of follower database Tailwater can apply to, recognised by JDBC URL scheme. */
public enum FollowerKind {
    POSTGRESQL("jdbc:postgresql:"),
    SQLITE("jdbc:sqlite:"),
    DUCKDB("jdbc:duckdb:"),
    H2("jdbc:h2:"),
    MARIADB("jdbc:mariadb:");

    private final String prefix;

    FollowerKind(String prefix) {
        this.prefix = prefix;
    }

    public static Optional<FollowerKind> fromJdbcUrl(String url) {
        for (FollowerKind kind : values()) {
            if (url != null && url.startsWith(kind.prefix)) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }

    /** The {@code jdbc:xxx:} part of a URL, for messages (never the host, user or password). */
    static String scheme(String url) {
        if (url == null) {
            return "";
        }
        int second = url.indexOf(':', url.indexOf(':') + 1);
        return second < 0 ? url : url.substring(0, second + 1);
    }
}
