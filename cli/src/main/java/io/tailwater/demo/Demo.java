package io.tailwater.demo;

import io.tailwater.applier.Applier;
import io.tailwater.applier.verify.StreamVerifier;
import io.tailwater.applier.verify.TableComparison;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tailwater.snapshot.SnapshotCompactor;
import io.tailwater.log.LogTopics;
import io.tailwater.capture.Capture;
import io.tailwater.cli.StatusReport;
import io.tailwater.config.ConfigLoader;
import io.tailwater.config.LeaderKind;
import io.tailwater.config.StreamConfig;
import io.tailwater.embedded.EmbeddedKafka;
import io.tailwater.embedded.EmbeddedMariaDb;
import io.tailwater.embedded.EmbeddedPostgres;
import io.tailwater.embedded.EmbeddedRegistry;
import io.tailwater.embedded.EmbeddedStreamConfig;
import io.tailwater.schemas.TableId;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code tailwater demo}: starts everything embedded (Kafka, Apicurio Registry, a PostgreSQL
 * leader, a PostgreSQL follower, a SQLite follower and, where Debian's {@code mariadb-server} is
 * installed, a MariaDB follower; or, with {@code --leader mariadb}, a MariaDB leader whose server
 * also holds the MariaDB follower), runs capture and the appliers, drives a
 * live shop workload on the leader, prints the followers' lag, and at the end checks every
 * follower table against the leader. Succeeds only if they all match.
 */
public final class Demo implements AutoCloseable {
    private final PrintStream out;
    private final LeaderKind leaderKind;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final AtomicBoolean stopRequested = new AtomicBoolean();
    private final Object lock = new Object();
    private boolean closed;

    public Demo(PrintStream out) {
        this(out, LeaderKind.POSTGRESQL);
    }

    /** A demo whose leader is of {@code leaderKind}. */
    public Demo(PrintStream out, LeaderKind leaderKind) {
        this.out = out;
        this.leaderKind = leaderKind;
    }

    /** Asks a running demo to stop early (Ctrl-C); it still checks the followers. */
    public void requestStop() {
        stopRequested.set(true);
    }

    /** Runs the demo for {@code duration}; returns true when every follower matches the leader. */
    public boolean run(Duration duration, double transactionsPerSecond) throws Exception {
        long t0 = System.nanoTime();
        boolean mariaDbLeader = leaderKind == LeaderKind.MARIADB;
        if (mariaDbLeader && !EmbeddedMariaDb.available()) {
            throw new IllegalStateException("the demo with a MariaDB leader needs MariaDB installed (apt-get install mariadb-server);"
                    + " or run the demo without --leader mariadb");
        }
        say(mariaDbLeader ? "Starting embedded Kafka, Apicurio Registry, MariaDB (leader) and PostgreSQL (follower)..."
                : "Starting embedded Kafka, Apicurio Registry and PostgreSQL (leader + follower)...");
        EmbeddedKafka kafka = keep(EmbeddedKafka.start());
        EmbeddedRegistry registry = keep(EmbeddedRegistry.start());
        EmbeddedMariaDb maria = mariaDbLeader || EmbeddedMariaDb.available() ? keep(EmbeddedMariaDb.start()) : null;
        String leaderUrl = mariaDbLeader ? maria.createDatabase("shop") : keep(EmbeddedPostgres.start()).createDatabase("shop");
        String leaderUser = mariaDbLeader ? maria.user() : "postgres";
        List<String> shopTables = mariaDbLeader ? ShopWorkload.tables("shop") : ShopWorkload.TABLES;
        EmbeddedPostgres followerPg = keep(EmbeddedPostgres.start());
        String replicaUrl = followerPg.createDatabase("shop_replica");
        Path dir = Files.createTempDirectory("tailwater-demo");
        Path sqlite = dir.resolve("analytics.db");
        say("  Kafka %s, registry %s, leader %s, follower %s, SQLite %s (%.1f s)",
                kafka.bootstrapServers(), registry.url(), leaderUrl, replicaUrl, sqlite, secondsSince(t0));

        ShopWorkload workload = new ShopWorkload(42);
        try (Connection c = DriverManager.getConnection(leaderUrl, leaderUser, "")) {
            ShopWorkload.createSchema(c);
            workload.seed(c, 200);
        }
        say("Leader has tables %s and 200 customers (the initial snapshot will copy them)", shopTables);

        Map<String, String> followers = new LinkedHashMap<>();
        followers.put("reporting", replicaUrl);
        followers.put("analytics", "jdbc:sqlite:" + sqlite);
        followers.put("newcomer", "jdbc:sqlite:" + dir.resolve("newcomer.db")); // added half way, from the snapshot
        if (maria != null) {
            followers.put("warehouse", maria.createDatabase("shop_warehouse"));
            say("  MariaDB follower 'warehouse' at %s", maria.jdbcUrl("shop_warehouse"));
        } else {
            say("  MariaDB is not installed (apt-get install mariadb-server): skipping the MariaDB follower");
        }
        String yaml = EmbeddedStreamConfig.yaml("shop", kafka, registry, leaderUrl, shopTables, followers);
        Files.writeString(dir.resolve("shop.yaml"), yaml);
        StreamConfig config = new ConfigLoader().parse(yaml);
        say("Stream config written to %s", dir.resolve("shop.yaml"));

        SnapshotCompactor compactor = keep(new SnapshotCompactor(config, dir.resolve("compact-state"), Duration.ofSeconds(60),
                new SimpleMeterRegistry()));
        LogTopics.ensure(config, Duration.ofSeconds(60)); // the log first: the snapshot process reads it
        compactor.start(); // keeps shop.snapshot, the latest row per key, for followers added later
        Capture capture = keep(new Capture(config));
        capture.start();
        List<Applier> appliers = new ArrayList<>();
        for (String follower : config.followers().keySet()) {
            if (follower.equals("newcomer")) {
                continue;
            }
            Applier applier = keep(new Applier(config, follower));
            applier.start();
            appliers.add(applier);
        }
        say("Capture and %d appliers running. Workload: ~%.0f leader transactions/s for %d s (Ctrl-C stops early)",
                appliers.size(), transactionsPerSecond, duration.toSeconds());

        long end = System.nanoTime() + duration.toNanos();
        long half = System.nanoTime() + duration.toNanos() / 2;
        long nextReport = System.nanoTime() + 2_000_000_000L;
        long intervalNanos = (long) (1e9 / transactionsPerSecond);
        long next = System.nanoTime();
        try (Connection c = DriverManager.getConnection(leaderUrl, leaderUser, "")) {
            while (System.nanoTime() < end && !stopRequested.get()) {
                workload.runTransaction(c);
                next += intervalNanos;
                long sleep = next - System.nanoTime();
                if (sleep > 0) {
                    Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
                }
                if (System.nanoTime() > nextReport) {
                    report(config, workload, capture);
                    nextReport += 2_000_000_000L;
                }
                failIfStopped(capture, appliers);
                if (half != 0 && System.nanoTime() > half && compactor.watermark() >= 0) {
                    half = 0;
                    Applier newcomer = keep(new Applier(config, "newcomer"));
                    newcomer.start();
                    appliers.add(newcomer);
                    say("New follower 'newcomer' (SQLite) added: it loads shop.snapshot (no read of the leader), then the log from its"
                            + " watermark, log offset %d", compactor.watermark());
                }
            }
        }
        say("Workload stopped after %d leader transactions. Waiting for the followers to catch up...", workload.transactions());
        awaitCaughtUp(config, capture, appliers, Duration.ofSeconds(60));
        report(config, workload, capture);

        say("Checking every follower table against the leader (row count and content checksum):");
        boolean allMatch = true;
        List<TableId> tables = shopTables.stream().map(TableId::parse).toList();
        for (String follower : config.followers().keySet()) {
            for (TableComparison cmp : StreamVerifier.compare(config.leader(), config.follower(follower), tables)) {
                say("  %-10s %-22s leader %-40s follower %-40s %s", follower, cmp.table().qualified(), cmp.leader(), cmp.copy(),
                        cmp.matches() ? "MATCH" : "DIFFERENT");
                allMatch &= cmp.matches();
            }
        }
        say(allMatch ? "All followers match the leader." : "FAILED: some follower differs from the leader.");
        return allMatch;
    }

    private void report(StreamConfig config, ShopWorkload workload, Capture capture) {
        try {
            StatusReport status = StatusReport.read(config, Duration.ofSeconds(5));
            StringBuilder sb = new StringBuilder(String.format("  leader tx %6d | captured rows %7d | log end %7d",
                    workload.transactions(), capture.metrics().rows(), status.logEndOffset()));
            for (StatusReport.Row r : status.followers()) {
                sb.append(String.format(" | %s: lag %d rec, %d ms, %s", r.follower(), r.lagRecords(), r.lagMillis(),
                        r.state() == null ? "starting" : r.state().name().toLowerCase()));
            }
            say("%s", sb);
        } catch (RuntimeException e) {
            say("  (status unavailable: %s)", e.getMessage());
        }
    }

    private void awaitCaughtUp(StreamConfig config, Capture capture, List<Applier> appliers, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Thread.sleep(1500); // let capture commit the last transactions and appliers report
        while (System.nanoTime() < deadline) {
            failIfStopped(capture, appliers);
            StatusReport status = StatusReport.read(config, Duration.ofSeconds(5));
            if (status.followers().stream().allMatch(r -> r.lagRecords() == 0 && r.reportAgeMillis() < 1500)) {
                return;
            }
            Thread.sleep(300);
        }
        say("Followers did not catch up within %d s", timeout.toSeconds());
    }

    private static void failIfStopped(Capture capture, List<Applier> appliers) {
        capture.failure().ifPresent(e -> {
            throw new IllegalStateException("capture stopped: " + e.getMessage(), e);
        });
        for (Applier a : appliers) {
            a.failure().ifPresent(e -> {
                throw new IllegalStateException("applier of '" + a.followerName() + "' stopped: " + e.getMessage(), e);
            });
        }
    }

    private <T extends AutoCloseable> T keep(T resource) {
        synchronized (lock) {
            resources.add(0, resource);
        }
        return resource;
    }

    private void say(String format, Object... args) {
        out.println(String.format(format, args));
        out.flush();
    }

    private static double secondsSince(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            for (AutoCloseable r : resources) {
                try {
                    r.close();
                } catch (Exception e) {
                    // shutting down anyway
                }
            }
        }
    }
}
