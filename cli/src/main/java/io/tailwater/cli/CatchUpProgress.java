package io.tailwater.cli;

import io.tailwater.applier.Applier;
import io.tailwater.log.FollowerState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Optional;

/**
 * Shows how an applier catches up: on an interactive terminal a progress bar with rate and ETA,
 * redrawn in place; otherwise a plain log line every ten seconds while it is behind. Silent once
 * the follower streams at the log end.
 */
final class CatchUpProgress implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CatchUpProgress.class);
    private static final long BEHIND = 1000; // records behind before progress is worth showing

    private final Applier applier;
    private final PrintStream terminal;
    private final Duration interval;
    private final Thread thread;
    private volatile boolean running = true;

    /** @param terminal where to draw the bar, or {@code null} to write log lines instead */
    CatchUpProgress(Applier applier, PrintStream terminal) {
        this.applier = applier;
        this.terminal = terminal;
        this.interval = terminal != null ? Duration.ofMillis(500) : Duration.ofSeconds(10);
        this.thread = new Thread(this::run, "tailwater-progress");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        long startOffset = -2;
        long lastOffset = 0;
        long lastNanos = System.nanoTime();
        double rate = 0;
        boolean drawn = false;
        boolean wasLoading = false;
        while (running) {
            try {
                Thread.sleep(interval.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            Optional<long[]> load = applier.loadProgress();
            if (load.isPresent()) {
                long[] rows = load.get();
                double instant = (rows[0] - lastOffset) * 1e9 / Math.max(1, now - lastNanos);
                rate = rate == 0 ? instant : 0.7 * rate + 0.3 * instant;
                lastOffset = rows[0];
                lastNanos = now;
                wasLoading = true;
                if (rows[1] >= 0) {
                    show("loading from the snapshot: " + line(rows[0], rows[1] - rows[0], rate, "rows"));
                    drawn = terminal != null;
                }
                continue;
            }
            if (applier.state() == FollowerState.LOADING) {
                continue; // reading the snapshot's keys
            }
            long lag = applier.lagRecords();
            long offset = applier.appliedOffset();
            if (lag < 0) {
                continue;
            }
            if (startOffset == -2 || wasLoading) { // the first round of catching up
                wasLoading = false;
                rate = 0;
                startOffset = offset;
                lastOffset = offset;
            }
            double instant = (offset - lastOffset) * 1e9 / Math.max(1, now - lastNanos);
            rate = rate == 0 ? instant : 0.7 * rate + 0.3 * instant;
            lastOffset = offset;
            lastNanos = now;
            if (lag < BEHIND) {
                if (drawn) {
                    terminal.print("\r" + " ".repeat(100) + "\r");
                    terminal.println("Follower '" + applier.followerName() + "' caught up at log offset " + offset);
                    drawn = false;
                }
                continue;
            }
            show("catching up: " + line(offset - startOffset, lag, rate, "records"));
            drawn = terminal != null;
        }
    }

    private void show(String line) {
        if (terminal != null) {
            terminal.print("\r" + line);
            terminal.flush();
        } else {
            LOG.info("Follower '{}' {}", applier.followerName(), line);
        }
    }

    /**
     * Whether this process writes to an interactive terminal. Java 22 and later return a console
     * even when output is redirected, and say through {@code isTerminal()} whether it is one.
     */
    static boolean isTerminal() {
        java.io.Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true; // Java 21: a console exists only for a terminal
        }
    }

    /** The progress line: a bar, {@code unit} done of all, rate and time left. */
    static String line(long done, long remaining, double recordsPerSecond, String unit) {
        long total = Math.max(1, done + remaining);
        int width = 30;
        int filled = (int) (width * Math.max(0, done) / total);
        String eta = recordsPerSecond < 1 ? "--:--" : clock((long) (remaining / recordsPerSecond));
        return String.format("[%s%s] %3d%% %,d/%,d %s, %,.0f %s/s, ETA %s", "#".repeat(filled), ".".repeat(width - filled),
                100 * Math.max(0, done) / total, Math.max(0, done), total, unit, recordsPerSecond, unit, eta);
    }

    private static String clock(long seconds) {
        return seconds >= 3600 ? String.format("%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
                : String.format("%d:%02d", seconds / 60, seconds % 60);
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
