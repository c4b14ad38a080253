package io.tailwater.cli;

import io.tailwater.benchmark.Benchmark;
import io.tailwater.benchmark.FreshProcesses;
import io.tailwater.config.Durations;
import io.tailwater.embedded.EmbeddedKafka;
import io.tailwater.embedded.EmbeddedPostgres;
import io.tailwater.embedded.EmbeddedRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code tailwater benchmark}: throughput and latency against PostgreSQL's own logical replication, on embedded services. */
@Command(name = "benchmark", mixinStandardHelpOptions = true,
        description = "Measure capture and catch-up throughput (rows/s) and end-to-end latency percentiles on embedded Kafka, registry"
                + " and two PostgreSQL servers, next to PostgreSQL's native logical replication on the same servers and backlog.")
final class BenchmarkCommand implements Callable<Integer> {
    @Option(names = "--scale", defaultValue = "1",
            description = "Multiplies the backlog sizes (200,000/200,000/100,000 rows); 0.1 for a quick look (default ${DEFAULT-VALUE}).")
    double scale;

    @Option(names = "--rate", defaultValue = "1000", description = "Leader transactions per second in the latency run (default ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--latency-duration", defaultValue = "20s", description = "How long the latency run writes (default ${DEFAULT-VALUE}).")
    String latencyDuration;

    @Option(names = "--fresh", description = "Also capture and apply every backlog with new ./tailwater processes, as an operator"
            + " restarts them, and report their start-up time and rates next to the warm in-process ones.")
    boolean fresh;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        out.printf("Tailwater benchmark on %d cores, Java %s%n", Runtime.getRuntime().availableProcessors(), Runtime.version());
        out.println("Starting embedded Kafka, Apicurio Registry and two PostgreSQL servers...");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(); EmbeddedRegistry registry = EmbeddedRegistry.start();
             EmbeddedPostgres leader = EmbeddedPostgres.start(); EmbeddedPostgres follower = EmbeddedPostgres.start()) {
            FreshProcesses processes = fresh ? FreshProcesses.fromLauncher(Files.createTempDirectory("tailwater-bench-processes")) : null;
            Benchmark bench = new Benchmark(kafka, registry, leader, follower, out, processes);
            out.println();
            out.println("Catch-up: a backlog of N rows in transactions of T rows, written while capture, appliers and the native"
                    + " subscription are stopped; each then started alone. Rates run from the first row arriving to the last;"
                    + " start is the time from the start command to the first row.");
            out.println("(warming up first: one run of the first backlog's size, not reported; the first run in a JVM is slower)");
            bench.catchUp(new Benchmark.Backlog((int) Math.max(1000, 200_000 * scale), 100), new PrintStream(PrintStream.nullOutputStream()));
            List<Benchmark.CatchUp> results = new ArrayList<>();
            for (int[] nt : new int[][] {{200_000, 100}, {200_000, 10}, {100_000, 1}}) {
                results.add(bench.catchUp(new Benchmark.Backlog((int) Math.max(1000, nt[0] * scale), nt[1])));
            }
            out.println();
            Duration d = Durations.parse(latencyDuration);
            Benchmark.Latency tw = bench.latency(rate, d, false);
            Benchmark.Latency nat = bench.latency(rate, d, true);

            out.println();
            out.println("Summary (targets: apply into PostgreSQL >= 1.5x native and capture >= native for every N,T, warm and fresh;"
                    + " capture >= 60,000 rows/s at T=10; p99 < 25 ms at 1,000 tx/s):");
            for (Benchmark.CatchUp r : results) {
                out.printf("  %-18s into PostgreSQL: Tailwater %,.0f rows/s, native %,.0f rows/s, ratio %.2f | capture %,.0f rows/s"
                                + " | into SQLite %,.0f rows/s%n", r.backlog().label(), r.applyPostgres().rowsPerSecond(),
                        r.nativePostgres().rowsPerSecond(), r.applyPostgres().rowsPerSecond() / r.nativePostgres().rowsPerSecond(),
                        r.capture().rowsPerSecond(), r.applySqlite().rowsPerSecond());
            }
            if (fresh) {
                out.println("Fresh processes (start-up from the start command to the first row, then the rate):");
                for (Benchmark.CatchUp r : results) {
                    out.printf("  %-18s capture %s | apply PostgreSQL %s, native %,.0f rows/s, ratio %.2f%n", r.backlog().label(),
                            r.freshCapture(), r.freshApply(), r.nativePostgres().rowsPerSecond(),
                            r.freshApply().rowsPerSecond() / r.nativePostgres().rowsPerSecond());
                }
            }
            out.printf("  latency p99: Tailwater %.1f ms, native %.1f ms (p50 %.1f / %.1f)%n", tw.p99(), nat.p99(), tw.p50(), nat.p50());
        }
        return 0;
    }
}
