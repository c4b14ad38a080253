package io.tailwater.tests.faults;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One {@code tailwater} command (capture, or the applier of a follower) in its own JVM, started
 * by the launcher users run ({@code ./tailwater}), and kept running the way a service manager
 * would: whenever it exits (SIGKILL, or a stop on its own because something it needs went away),
 * it is started again half a second later, until {@link #close()}.
 */
final class TailwaterProcess implements AutoCloseable {
    private final String name;
    private final List<String> args;
    private final Path log;
    private final Thread supervisor;
    private final AtomicInteger starts = new AtomicInteger();
    private volatile Process process;
    private volatile boolean running = true;

    TailwaterProcess(String name, Path log, String... args) throws IOException {
        this.name = name;
        this.args = List.of(args);
        this.log = log;
        start();
        this.supervisor = new Thread(this::supervise, "supervise-" + name);
        supervisor.setDaemon(true);
        supervisor.start();
    }

    private synchronized void start() throws IOException {
        List<String> command = new ArrayList<>();
        command.add(FaultHarness.repo().resolve("tailwater").toString());
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("TAILWATER_JAVA_OPTS", "-Xmx384m -XX:TieredStopAtLevel=1");
        process = pb.start();
        starts.incrementAndGet();
    }

    private void supervise() {
        while (running) {
            try {
                Process p = process;
                p.waitFor();
                if (!running) {
                    return;
                }
                Thread.sleep(500);
                if (running) {
                    start();
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                throw new IllegalStateException("cannot start " + name + ": " + e.getMessage(), e);
            }
        }
    }

    /** SIGKILL; the supervisor starts it again. */
    void kill() throws InterruptedException {
        Process p = process;
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
    }

    /** How many times the process was started, the first time included. */
    int starts() {
        return starts.get();
    }

    String name() {
        return name;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        supervisor.interrupt();
        Process p = process;
        p.destroy();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
    }
}
