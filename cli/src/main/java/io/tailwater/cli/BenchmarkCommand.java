package io.tailwater.cli;

import io.tailwater.benchmark.Backlog;
import io.tailwater.benchmark.Backlog.Workload;
import io.tailwater.benchmark.Benchmark;
import io.tailwater.benchmark.BenchmarkServers;
import io.tailwater.benchmark.BenchmarkSummary;
import io.tailwater.benchmark.BootstrapRun;
import io.tailwater.benchmark.SynchronousCommits;
import io.tailwater.benchmark.FreshProcesses;
import io.tailwater.benchmark.MariaDbLeaderRun;
import io.tailwater.config.Durations;
import io.tailwater.config.StreamingDecoder;
import io.tailwater.embedded.EmbeddedKafka;
import io.tailwater.embedded.EmbeddedMariaDb;
import io.tailwater.embedded.EmbeddedPostgres;
import io.tailwater.embedded.EmbeddedRegistry;
import io.tailwater.embedded.PostgresServer;
import io.tailwater.embedded.SystemPostgres;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import java.io.PrintStream;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code tailwater benchmark}: throughput and latency against PostgreSQL's own logical replication, on embedded services. */
@Command(name = "benchmark", mixinStandardHelpOptions = true,
        description = "Measure capture and catch-up throughput (rows/s) and end-to-end latency percentiles on embedded Kafka, registry"
                + " and two PostgreSQL servers, next to PostgreSQL's native logical replication on the same servers and backlog.")
final class BenchmarkCommand implements Callable<Integer> {
    @Option(names = "--scale", defaultValue = "1",
            description = "Multiplies the backlog sizes (200,000/200,000/100,000/200,000 changes); 0.1 for a quick look (default ${DEFAULT-VALUE}).")
    double scale;

    @Option(names = "--rate", defaultValue = "1000", description = "Leader transactions per second in the latency run (default ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--latency-duration", defaultValue = "20s", description = "How long the latency run writes (default ${DEFAULT-VALUE}).")
    String latencyDuration;

    @Option(names = "--sync-transactions", defaultValue = "2000",
            description = "Single-row leader transactions per synchronous-commit run: no standby, Tailwater's synchronous capture,"
                    + " a native subscription as the synchronous standby; 0 to skip (default ${DEFAULT-VALUE}).")
    int syncTransactions;

    @Option(names = "--fresh", description = "Also capture and apply every backlog with new ./tailwater processes, as an operator"
            + " restarts them, and report their start-up time and rates next to the warm in-process ones.")
    boolean fresh;

    @Option(names = "--decoder", defaultValue = "tailwater", paramLabel = "DECODER",
            description = "What capture streams a PostgreSQL leader's changes with once a snapshot is in the log, as leader.decoder"
                    + " sets it: debezium or tailwater (default ${DEFAULT-VALUE}).")
    String decoderName;

    @Option(names = "--leader", defaultValue = "postgresql", paramLabel = "KIND",
            description = "postgresql (default): the whole benchmark above. mariadb: capture from a MariaDB leader (Debian's"
                    + " mariadb-server) and catch-up into PostgreSQL, next to the PostgreSQL leader's figures and native"
                    + " replication on the same insert backlogs, on embedded PostgreSQL servers.")
    String leader;

    @Option(names = "--servers", defaultValue = "embedded,debian", split = ",",
            description = "Which PostgreSQL servers to measure on, in turn: embedded (zonky's binaries, fsync off) and debian"
                    + " (Debian's postgresql-15 in /usr/lib/postgresql/15, fsync on; skipped when it is not installed)"
                    + " (default ${DEFAULT-VALUE}).")
    List<ServerKind> servers;

    /** Where the benchmark's PostgreSQL servers come from. */
    enum ServerKind {
        EMBEDDED, DEBIAN;

        PostgresServer start() {
            return this == DEBIAN ? SystemPostgres.start(SystemPostgres.DEBIAN_15) : EmbeddedPostgres.start();
        }
    }

    @Option(names = "--workloads", defaultValue = "inserts,mixed", split = ",",
            description = "Which backlogs to run: inserts (T = 100, 10 and 1) and mixed (60%% updates, 20%% inserts, 20%% deletes,"
                    + " T = 10) (default ${DEFAULT-VALUE}).")
    List<Workload> workloads;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        out.printf("Tailwater benchmark on %d cores, Java %s%n", Runtime.getRuntime().availableProcessors(), Runtime.version());
        out.println("Starting embedded Kafka and Apicurio Registry...");
        Duration latency = Durations.parse(latencyDuration);
        StreamingDecoder decoder = switch (decoderName.toLowerCase(Locale.ROOT)) {
            case "debezium" -> StreamingDecoder.DEBEZIUM;
            case "tailwater" -> StreamingDecoder.TAILWATER;
            default -> throw new ParameterException(new CommandLine(this), "--decoder must be debezium or tailwater, not '" + decoderName + "'");
        };
        out.println("Capture streams a PostgreSQL leader with " + (decoder == StreamingDecoder.TAILWATER
                ? "Tailwater's own pgoutput reader" : "Debezium") + " (--decoder " + decoder.name().toLowerCase(Locale.ROOT) + ")");
        boolean mariaDb = switch (leader.toLowerCase(Locale.ROOT)) {
            case "postgresql", "postgres" -> false;
            case "mariadb" -> true;
            default -> throw new ParameterException(new CommandLine(this), "--leader must be postgresql or mariadb, not '" + leader + "'");
        };
        if (mariaDb && !EmbeddedMariaDb.available()) {
            out.println("MariaDB is not installed (apt-get install mariadb-server): the MariaDB leader's benchmark cannot run.");
            return 1;
        }
        try (EmbeddedKafka kafka = EmbeddedKafka.start(); EmbeddedRegistry registry = EmbeddedRegistry.start()) {
            if (mariaDb) {
                try (PostgresServer pgLeader = ServerKind.EMBEDDED.start(); PostgresServer follower = ServerKind.EMBEDDED.start();
                     EmbeddedMariaDb maria = EmbeddedMariaDb.start()) {
                    runMariaDb(new BenchmarkServers("embedded", kafka, registry, pgLeader, follower, decoder), maria, out);
                }
                return 0;
            }
            FreshProcesses processes = fresh ? FreshProcesses.fromLauncher(Files.createTempDirectory("tailwater-bench-processes")) : null;
            for (ServerKind kind : servers) {
                if (kind == ServerKind.DEBIAN && SystemPostgres.installed(SystemPostgres.DEBIAN_15).isEmpty()) {
                    out.println();
                    out.println("Debian's PostgreSQL 15 is not installed (" + SystemPostgres.DEBIAN_15 + "): skipping it"
                            + " (apt-get install postgresql-15).");
                    continue;
                }
                try (PostgresServer leader = kind.start(); PostgresServer follower = kind.start()) {
                    run(new BenchmarkServers(kind.name().toLowerCase(Locale.ROOT), kafka, registry, leader, follower,
                            decoder), processes, latency, out);
                }
            }
        }
        return 0;
    }

    private void run(BenchmarkServers servers, FreshProcesses processes, Duration latency, PrintStream out) throws Exception {
        out.println();
        out.println("=== Leader and follower: two servers of " + servers.leader().description());
        Benchmark bench = new Benchmark(servers, out, processes);
        out.println("Catch-up: a backlog of N changes in transactions of T, written while capture, appliers and the native"
                + " subscription are stopped; each then started alone. Rates run from the first change arriving to the last;"
                + " start is the time from the start command to the first change.");
        out.println("(warming up first: one run of the first backlog's size, not reported; the first run in a JVM is slower)");
        bench.catchUp(new Backlog(scaled(200_000), 100, Workload.INSERTS), new PrintStream(PrintStream.nullOutputStream()));
        List<Benchmark.CatchUp> results = new ArrayList<>();
        for (Backlog b : List.of(new Backlog(scaled(200_000), 100, Workload.INSERTS), new Backlog(scaled(200_000), 10, Workload.INSERTS),
                new Backlog(scaled(100_000), 1, Workload.INSERTS), new Backlog(scaled(200_000), 10, Workload.MIXED))) {
            if (workloads.contains(b.workload())) {
                results.add(bench.catchUp(b));
            }
        }
        out.println();
        BootstrapRun.Result bootstrap = BootstrapRun.measure(servers, servers.name() + "_bootstrap", scaled(200_000), out);
        out.println();
        List<Benchmark.Latency> latencies = new ArrayList<>();
        latencies.add(bench.latency(rate, latency, Benchmark.Mode.TAILWATER));
        if (processes != null) {
            latencies.add(bench.latency(rate, latency, Benchmark.Mode.FRESH));
        }
        latencies.add(bench.latency(rate, latency, Benchmark.Mode.NATIVE));
        List<SynchronousCommits.Result> commits = new ArrayList<>();
        if (syncTransactions > 0) {
            out.println();
            SynchronousCommits sync = new SynchronousCommits(servers);
            for (SynchronousCommits.Standby standby : SynchronousCommits.Standby.values()) {
                commits.add(sync.measure(standby, syncTransactions, servers.name() + "_sync_" + standby.name().toLowerCase(Locale.ROOT), out));
            }
        }
        new BenchmarkSummary(servers.leader().description(), results, latencies, commits, bootstrap).print(out);
    }

    /**
     * The MariaDB leader's capture and catch-up into PostgreSQL, next to the PostgreSQL leader's
     * and native replication's on the same insert backlogs (each after a warm-up run).
     */
    private void runMariaDb(BenchmarkServers servers, EmbeddedMariaDb maria, PrintStream out) throws Exception {
        out.println();
        out.println("=== MariaDB leader (" + maria.description() + ") next to a PostgreSQL leader (" + servers.leader().description()
                + "), follower " + servers.follower().description());
        out.println("A backlog of N inserts in transactions of T, written while capture is stopped; capture then runs alone until the"
                + " log holds every change, then the PostgreSQL follower's applier alone until it has them. Rates run from the first"
                + " change arriving to the last.");
        out.println("(warming up first: one run of each leader, not reported)");
        Benchmark bench = new Benchmark(servers, out, null);
        PrintStream quiet = new PrintStream(PrintStream.nullOutputStream());
        Backlog warmUp = new Backlog(scaled(200_000), 100, Workload.INSERTS);
        bench.catchUp(warmUp, quiet);
        MariaDbLeaderRun.measure(maria, servers, "maria_warmup", warmUp);
        List<String> rows = new ArrayList<>();
        int run = 0;
        for (Backlog b : List.of(new Backlog(scaled(200_000), 100, Workload.INSERTS), new Backlog(scaled(200_000), 10, Workload.INSERTS))) {
            Benchmark.CatchUp pg = bench.catchUp(b, quiet);
            MariaDbLeaderRun.Result m = MariaDbLeaderRun.measure(maria, servers, "maria_bench" + (++run), b);
            rows.add(String.format("%-18s | %-34s | %-34s | %-34s | %-34s | %-34s", b.label(), pg.capture(), m.capture(),
                    pg.applyPostgres(), m.applyPostgres(), pg.nativePostgres()));
        }
        out.println();
        out.println(String.format("%-18s | %-34s | %-34s | %-34s | %-34s | %-34s", "backlog", "capture, PostgreSQL leader",
                "capture, MariaDB leader", "into PostgreSQL, PostgreSQL leader", "into PostgreSQL, MariaDB leader",
                "native logical replication (PG)"));
        rows.forEach(out::println);
    }

    private int scaled(int rows) {
        return (int) Math.max(1000, rows * scale);
    }
}
