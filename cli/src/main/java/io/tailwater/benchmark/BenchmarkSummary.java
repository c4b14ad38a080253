package io.tailwater.benchmark;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The benchmark's closing table for one pair of servers: every backlog with native beside every
 * Tailwater figure, the latency percentiles, and the targets they are held to.
 */
public record BenchmarkSummary(String servers, List<Benchmark.CatchUp> catchUps, List<Benchmark.Latency> latencies,
                               List<SynchronousCommits.Result> commits, BootstrapRun.Result bootstrap) {
    /** Capture at least native; at least this many changes/s at 10-change transactions. */
    static final double CAPTURE_TARGET_T10 = 60_000;
    /** Apply into PostgreSQL at least this multiple of native. */
    static final double APPLY_TARGET = 1.5;

    public void print(PrintStream out) {
        out.println();
        out.println("Summary on " + servers + ": changes/s, and in parentheses the ratio to native.");
        out.println("Targets: capture >= native and >= 60,000/s at T=10; apply into PostgreSQL >= 1.5 x native; warm and fresh;"
                + " start-up < 1.5 s; p99 < 25 ms at 1,000 tx/s.");
        boolean fresh = catchUps.stream().anyMatch(c -> c.freshCapture() != null);
        StringBuilder header = new StringBuilder("| backlog | leader wrote | native | capture | apply PostgreSQL |");
        if (fresh) {
            header.append(" fresh capture | fresh apply PostgreSQL | fresh start-up capture, apply |");
        }
        List<String> others = catchUps.isEmpty() ? List.of()
                : catchUps.get(0).apply().keySet().stream().filter(l -> !l.equals("PostgreSQL")).toList();
        others.forEach(l -> header.append(" apply ").append(l).append(" |"));
        out.println(header);
        out.println(header.toString().replaceAll("[^|]+", "---"));
        for (Benchmark.CatchUp c : catchUps) {
            Timing nat = c.nativePostgres();
            StringBuilder row = new StringBuilder();
            row.append(String.format("| %s | %,.0f | %,.0f | %s | %s |", c.backlog().label(), c.leaderWrite(), nat.rowsPerSecond(),
                    cell(c.capture(), nat), cell(c.applyPostgres(), nat)));
            if (fresh) {
                row.append(String.format(" %s | %s | %.1f s, %.1f s |", cell(c.freshCapture(), nat), cell(c.freshApply(), nat),
                        c.freshCapture().startupSeconds(), c.freshApply().startupSeconds()));
            }
            for (String l : others) {
                row.append(' ').append(cell(c.apply().get(l), nat)).append(" |");
            }
            out.println(row);
        }
        for (Benchmark.Latency l : latencies) {
            out.printf("latency at %,.0f tx/s, %s: p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms%n", l.rate(), l.mode().label, l.p50(),
                    l.p95(), l.p99(), l.max());
            if (l.inLog() != null) {
                out.printf("  of which leader commit to sent by capture: %s; to readable in the log: %s%n", l.sent(), l.inLog());
            }
        }
        for (SynchronousCommits.Result c : commits) {
            out.printf("leader commit, single-row transactions one after another, %s: p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                    c.standby().label, c.p50(), c.p99(), c.max());
        }
        if (bootstrap != null) {
            out.printf("new PostgreSQL follower of %,d rows: from the snapshot topic %,.0f rows/s, native copy_data %,.0f rows/s (%.2f x)%n",
                    bootstrap.rows(), bootstrap.snapshotLoad(), bootstrap.nativeCopy(), bootstrap.ratio());
        }
        for (Benchmark.CatchUp c : catchUps) {
            out.printf("verify after %s: %,d rows/s per side%n", c.backlog().label(), c.verifyRowsPerSecond());
        }
        out.println("Targets missed: " + String.join("; ", missed()));
    }

    private static String cell(Timing t, Timing nat) {
        return String.format("%,.0f (%.2f)", t.rowsPerSecond(), t.over(nat));
    }

    /** Each target this run missed, or "none". */
    List<String> missed() {
        List<String> missed = new ArrayList<>();
        for (Benchmark.CatchUp c : catchUps) {
            String b = c.backlog().label();
            Map<String, Timing> captures = c.freshCapture() == null ? Map.of("warm", c.capture())
                    : Map.of("warm", c.capture(), "fresh", c.freshCapture());
            Map<String, Timing> applies = c.freshApply() == null ? Map.of("warm", c.applyPostgres())
                    : Map.of("warm", c.applyPostgres(), "fresh", c.freshApply());
            captures.forEach((mode, t) -> {
                if (t.over(c.nativePostgres()) < 1 || (c.backlog().rowsPerTransaction() == 10 && t.rowsPerSecond() < CAPTURE_TARGET_T10)) {
                    missed.add(String.format("%s %s capture %,.0f/s", b, mode, t.rowsPerSecond()));
                }
                if (mode.equals("fresh") && t.startupSeconds() >= 1.5) {
                    missed.add(String.format("%s capture start-up %.1f s", b, t.startupSeconds()));
                }
            });
            applies.forEach((mode, t) -> {
                if (t.over(c.nativePostgres()) < APPLY_TARGET) {
                    missed.add(String.format("%s %s apply %.2f x native", b, mode, t.over(c.nativePostgres())));
                }
                if (mode.equals("fresh") && t.startupSeconds() >= 1.5) {
                    missed.add(String.format("%s apply start-up %.1f s", b, t.startupSeconds()));
                }
            });
        }
        for (Benchmark.Latency l : latencies) {
            if (l.mode() != Benchmark.Mode.NATIVE && l.rate() <= 1000 && l.p99() >= 25) {
                missed.add(String.format("p99 %.1f ms (%s)", l.p99(), l.mode().label));
            }
        }
        return missed.isEmpty() ? List.of("none") : missed;
    }
}
