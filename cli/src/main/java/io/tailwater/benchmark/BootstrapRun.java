package io.tailwater.benchmark;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tailwater.applier.Applier;
import io.tailwater.capture.Capture;
import io.tailwater.config.StreamConfig;
import io.tailwater.log.FollowerState;
import io.tailwater.log.KafkaClients;
import io.tailwater.log.LogTopics;
import io.tailwater.snapshot.SnapshotCompactor;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.io.PrintStream;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;

/**
 * A new PostgreSQL follower's first copy of a table, two ways on the same servers and table:
 * Tailwater's load from the snapshot topic (no read of the leader), and PostgreSQL's own initial
 * table copy ({@code copy_data = true}). Both are timed from the start command until the
 * follower holds every row.
 */
public final class BootstrapRun {
    /** Rows per second of each way, over the whole time from the start command to the last row. */
    public record Result(long rows, double snapshotLoad, double nativeCopy) {
        public double ratio() {
            return snapshotLoad / nativeCopy;
        }
    }

    private BootstrapRun() {
    }

    public static Result measure(BenchmarkServers servers, String name, long rows, PrintStream out) throws Exception {
        try (Scenario s = new Scenario(servers, name, false)) {
            try (Connection c = servers.leader().connect(s.db); Statement st = c.createStatement()) {
                st.execute("INSERT INTO items SELECT g, g % 1000, (g % 100000) / 100.0, 'seed row ' || g, now()"
                        + " FROM generate_series(1, " + rows + ") g");
            }
            LogTopics.ensure(s.config, Duration.ofSeconds(60));
            SnapshotCompactor compactor = s.keep(new SnapshotCompactor(s.config, Files.createTempDirectory("tailwater-bench-compact"),
                    Duration.ofSeconds(60), new SimpleMeterRegistry()));
            compactor.start();
            Capture capture = s.startCapture(s.config); // takes the initial snapshot of the table into the log
            s.awaitStreaming(s.config, capture);
            s.stop(capture);
            awaitTaken(s.config, Scenario.logEnd(s.config));

            long t0 = System.nanoTime();
            Applier a = s.startApplier(s.config, "pg");
            Timing.measure(t0, rows, () -> {
                a.failure().ifPresent(e -> {
                    throw new IllegalStateException("applier of pg failed: " + e.getMessage());
                });
                return a.loadProgress().map(p -> p[0]).orElse(a.state() == FollowerState.LOADING ? 0 : a.appliedOffset() >= 0 ? rows : 0);
            });
            double load = rows / ((System.nanoTime() - t0) / 1e9);
            s.stop(a);

            double copy;
            String db = name + "_copy";
            servers.follower().createDatabase(db);
            try (Connection c = servers.follower().connect(db); Statement st = c.createStatement()) {
                st.execute(BacklogWriter.CREATE);
                long t1 = System.nanoTime();
                st.execute("CREATE SUBSCRIPTION " + name + "_copy CONNECTION 'host=localhost port=" + servers.leader().port() + " dbname="
                        + s.db + " user=" + servers.leader().user() + "' PUBLICATION " + name + "_pub WITH (copy_data = true)");
                Timing.measure(t1, rows, () -> BacklogWriter.count(c));
                copy = rows / ((System.nanoTime() - t1) / 1e9);
                st.execute("DROP SUBSCRIPTION " + name + "_copy");
            }
            Result r = new Result(rows, load, copy);
            out.printf("New follower, %,d rows: load from the snapshot topic %,.0f rows/s, native initial copy (copy_data) %,.0f rows/s,"
                    + " %.2f x native (each from its start command to the last row)%n", rows, load, copy, r.ratio());
            return r;
        }
    }

    /** Waits until the snapshot process has committed the whole log, up to {@code logEnd}. */
    private static void awaitTaken(StreamConfig config, long logEnd) throws Exception {
        TopicPartition log = new TopicPartition(config.logTopic(), 0);
        try (Admin admin = KafkaClients.admin(config, "benchmark-admin")) {
            Timing.measure(System.nanoTime(), 1, () -> {
                OffsetAndMetadata taken = admin.listConsumerGroupOffsets(config.snapshotApplicationId()).partitionsToOffsetAndMetadata()
                        .get().get(log);
                return taken != null && taken.offset() >= logEnd ? 1 : 0;
            });
        }
    }
}
