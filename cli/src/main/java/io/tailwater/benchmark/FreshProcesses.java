package io.tailwater.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Starts {@code tailwater} commands as new processes with the launcher operators use
 * ({@code ./tailwater}), so the benchmark can time them as an operator's restart: start-up
 * included, nothing warmed.
 */
public final class FreshProcesses {
    private final Path launcher;
    private final Path logDir;

    private FreshProcesses(Path launcher, Path logDir) {
        this.launcher = launcher;
        this.logDir = logDir;
    }

    /**
     * The launcher of this installation ({@code -Dtailwater.home}, which {@code ./tailwater}
     * sets); processes log under {@code logDir}.
     */
    public static FreshProcesses fromLauncher(Path logDir) {
        String home = System.getProperty("tailwater.home");
        if (home == null || !Files.isExecutable(Path.of(home, "tailwater"))) {
            throw new IllegalStateException("--fresh starts ./tailwater processes: run the benchmark with ./tailwater benchmark");
        }
        return new FreshProcesses(Path.of(home, "tailwater"), logDir);
    }

    /** Starts {@code ./tailwater <args>}, its output going to {@code <name>.log}. */
    public Running start(String name, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(launcher.toString());
        command.addAll(List.of(args));
        Path log = logDir.resolve(name + ".log");
        long start = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new Running(name, p, log, start);
    }

    /** The last {@code lines} lines of a process's log, or why it cannot be read. */
    public static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    /** A started process; {@link #close()} stops it as an operator does (SIGTERM) and waits for it. */
    public record Running(String name, Process process, Path log, long startNanos) implements AutoCloseable {
        /** Why the process is gone, with the end of its log, if it exited. */
        public Optional<Throwable> failure() {
            if (process.isAlive()) {
                return Optional.empty();
            }
            return Optional.of(new IllegalStateException(name + " exited with " + process.exitValue() + "; its log " + log
                    + " ends:\n" + tail(log, 10)));
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor();
            }
        }
    }
}
