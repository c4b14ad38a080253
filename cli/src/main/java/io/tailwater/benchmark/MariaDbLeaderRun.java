package io.tailwater.benchmark;

import io.tailwater.applier.Applier;
import io.tailwater.capture.Capture;
import io.tailwater.config.ConfigLoader;
import io.tailwater.config.StreamConfig;
import io.tailwater.embedded.EmbeddedStreamConfig;
import io.tailwater.embedded.MariaDbServer;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

/**
 * The MariaDB leader's figures of {@code benchmark --leader mariadb}, on the backlog the
 * PostgreSQL leader's run writes: the same table (in MariaDB's types), N changes in transactions
 * of T written while capture is stopped; capture's rate from the binlog into the log, then the
 * catch-up of a PostgreSQL follower from the log.
 */
public final class MariaDbLeaderRun {
    static final String CREATE = "CREATE TABLE items (id bigint PRIMARY KEY, account int NOT NULL, amount decimal(12,2) NOT NULL,"
            + " note text, created timestamp(6) NOT NULL)";

    /** What one backlog gave: the leader's write rate (changes per second), capture, and the PostgreSQL follower's catch-up. */
    public record Result(Backlog backlog, double leaderWrite, Timing capture, Timing applyPostgres) {
    }

    private MariaDbLeaderRun() {
    }

    /** Measures {@code backlog} (inserts only) from a new database {@code name} on {@code leader} into the benchmark's PostgreSQL follower. */
    public static Result measure(MariaDbServer leader, BenchmarkServers servers, String name, Backlog backlog) throws Exception {
        if (backlog.workload() != Backlog.Workload.INSERTS) {
            throw new IllegalArgumentException("the MariaDB leader's run writes insert backlogs only");
        }
        String leaderUrl = leader.createDatabase(name);
        String followerDb = name + "_tailwater";
        servers.follower().createDatabase(followerDb);
        try (Connection c = DriverManager.getConnection(leaderUrl, leader.user(), ""); Statement st = c.createStatement()) {
            st.execute(CREATE);
            st.execute("INSERT INTO items VALUES (-1, 0, 0, 'first', now(6))"); // the initial snapshot's one row
        }
        StreamConfig config = new ConfigLoader().parse(EmbeddedStreamConfig.yaml(name, servers.kafka(), servers.registry(), leaderUrl,
                List.of(name + ".items"), Map.of("pg", servers.follower().jdbcUrl(followerDb))));
        // The snapshot first: then capture stops, and the backlog is written into the binlog after its position.
        try (Capture snapshot = new Capture(config)) {
            snapshot.start();
            Scenario.measureLogRows(config, 0, System.nanoTime(), snapshot::failure, 1);
        }
        long from = Scenario.logEnd(config);
        double write;
        try (Connection c = DriverManager.getConnection(leaderUrl, leader.user(), "")) {
            write = new BacklogWriter(backlog).write(c);
        }
        long t0 = System.nanoTime();
        Timing capture;
        try (Capture c = new Capture(config)) {
            c.start();
            capture = Scenario.measureLogRows(config, from, t0, c::failure, backlog.rows());
        }
        t0 = System.nanoTime();
        Timing apply;
        try (Applier a = new Applier(config, "pg")) {
            a.start();
            apply = Scenario.measureApplied(a, "pg", t0, backlog.rows() + 1L);
        }
        return new Result(backlog, write, capture, apply);
    }
}
