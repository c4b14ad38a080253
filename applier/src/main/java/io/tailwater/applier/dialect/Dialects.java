package io.tailwater.applier.dialect;

import io.tailwater.applier.dialect.postgres.PostgresDialect;
import io.tailwater.applier.dialect.sqlite.SqliteDialect;
import io.tailwater.config.FollowerKind;

/** The dialect for each kind of follower. */
public final class Dialects {
    private Dialects() {
    }

    public static Dialect of(FollowerKind kind) {
        return switch (kind) {
            case POSTGRESQL -> new PostgresDialect();
            case SQLITE -> new SqliteDialect();
            case DUCKDB -> new io.tailwater.applier.dialect.duckdb.DuckDbDialect();
            case H2 -> new io.tailwater.applier.dialect.h2.H2Dialect();
            case MARIADB -> new io.tailwater.applier.dialect.mariadb.MariaDbDialect();
        };
    }
}
