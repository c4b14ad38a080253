package io.tailwater.capture.postgres;

import io.debezium.snapshot.spi.SnapshotQuery;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The initial (and blocking) snapshot's query: every column selected as PostgreSQL's own text
 * ({@code "c"::text AS "c"}), so the JDBC driver never turns a value into a {@code java.sql} date
 * in the JVM's time zone and Julian calendar; {@link PgValueConverter} reads the text exactly.
 * Selected with {@code snapshot.query.mode=custom} and {@code snapshot.query.mode.custom.name=tailwater}.
 */
public final class PgSnapshotQuery implements SnapshotQuery {
    public static final String NAME = "tailwater";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void configure(Map<String, ?> properties) {
    }

    @Override
    public Optional<String> snapshotQuery(String tableId, List<String> columns) {
        if (columns.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(columns.stream().map(c -> {
            String quoted = c.startsWith("\"") ? c : "\"" + c.replace("\"", "\"\"") + "\"";
            return quoted + "::text AS " + quoted;
        }).collect(Collectors.joining(", ", "SELECT ", " FROM " + tableId)));
    }
}
