package io.tailwater.tests.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TimeZone;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One {@code tailwater} command (capture, or the applier of a follower) in its own JVM, started
 * by the launcher users run ({@code ./tailwater}), and kept running the way a service manager
 * would: whenever it exits (SIGKILL, or a stop on its own because something it needs went away),
 * it is started again half a second later, until {@link #close()}.
 */
public final class TailwaterProcess implements AutoCloseable {
    private final String name;
    private final List<String> args;
    private final Path log;
    private final Thread supervisor;
    private final AtomicInteger starts = new AtomicInteger();
    private volatile Process process;
    private volatile boolean running = true;

    public TailwaterProcess(String name, Path log, String... args) throws IOException {
        this.name = name;
        this.args = List.of(args);
        this.log = log;
        start();
        this.supervisor = new Thread(this::supervise, "supervise-" + name);
        supervisor.setDaemon(true);
        supervisor.start();
    }

    /** The repository root, where the {@code tailwater} launcher is (tests run in {@code tests/}). */
    public static Path repo() {
        Path here = Path.of("").toAbsolutePath();
        return Files.exists(here.resolve("tailwater")) ? here : here.getParent();
    }

    private synchronized void start() throws IOException {
        List<String> command = new ArrayList<>();
        command.add(repo().resolve("tailwater").toString());
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        // The process runs in the test JVM's zone, named both ways Java reads it.
        String zone = TimeZone.getDefault().getID();
        pb.environment().put("TZ", zone);
        pb.environment().put("TAILWATER_JAVA_OPTS", "-Xmx384m -XX:TieredStopAtLevel=1 -Duser.timezone=" + zone);
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

    public String name() {
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
