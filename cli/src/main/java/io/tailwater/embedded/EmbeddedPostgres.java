package io.tailwater.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A PostgreSQL server from the binaries zonky ships on Maven Central, configured for logical
 * replication ({@code wal_level=logical}, {@code synchronous_commit=on}). Works as root: zonky
 * runs initdb and pg_ctl in a user namespace. (zonky's class has the same simple name, hence its full name here.)
 */
public final class EmbeddedPostgres implements PostgresServer {
    private final Map<String, String> settings;
    private final Path dataDirectory;
    private volatile io.zonky.test.db.postgres.embedded.EmbeddedPostgres pg;

    private EmbeddedPostgres(Map<String, String> settings, Path dataDirectory,
                             io.zonky.test.db.postgres.embedded.EmbeddedPostgres pg) {
        this.settings = settings;
        this.dataDirectory = dataDirectory;
        this.pg = pg;
    }

    public static EmbeddedPostgres start() {
        return start(Map.of());
    }

    /** A server with these settings changed from the defaults above (say {@code wal_level=replica}, to test a leader not set up). */
    public static EmbeddedPostgres start(Map<String, String> settings) {
        try {
            Path dir = Files.createTempDirectory("tailwater-pg");
            return new EmbeddedPostgres(settings, dir, launch(settings, dir, 0));
        } catch (IOException e) {
            throw new IllegalStateException("cannot start an embedded PostgreSQL server: " + e.getMessage(), e);
        }
    }

    private static io.zonky.test.db.postgres.embedded.EmbeddedPostgres launch(Map<String, String> settings,
                                                                             Path dir, int port) throws IOException {
        var builder = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
                .setDataDirectory(dir)
                .setCleanDataDirectory(false)
                .setPGStartupWait(Duration.ofSeconds(60))
                .setServerConfig("wal_level", "logical")
                .setServerConfig("max_replication_slots", "40")
                .setServerConfig("max_wal_senders", "40")
                .setServerConfig("max_connections", "200")
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("fsync", "off");
        if (port > 0) {
            builder.setPort(port);
        }
        settings.forEach(builder::setServerConfig);
        return builder.start();
    }

    /**
     * Shuts the server down fast (clients are disconnected, open transactions roll back) and
     * starts it again on the same port and data, as an operator's restart does. After
     * {@link #kill()}, starts it again (PostgreSQL recovers from the crash).
     */
    public synchronized void restart() {
        int port = port();
        try {
            try {
                pg.close();
            } catch (RuntimeException e) {
                // pg_ctl stop fails on a server that was killed: there is nothing to stop
            }
            awaitStopped();
            pg = launch(settings, dataDirectory, port);
        } catch (IOException e) {
            throw new IllegalStateException("cannot restart the embedded PostgreSQL server on port " + port + ": " + e.getMessage(), e);
        }
    }

    /** Kills the postmaster (SIGKILL), as a crash of the server's host does; its backends then end too. */
    public synchronized void kill() {
        try {
            long pid = Long.parseLong(Files.readAllLines(dataDirectory.resolve("postmaster.pid")).get(0).trim());
            ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();
            postmaster.destroyForcibly();
            postmaster.onExit().get(10, TimeUnit.SECONDS);
        } catch (IOException | ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot kill the embedded PostgreSQL server on port " + port() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A fast shutdown waits for WAL senders to send what their clients have not read; a client
     * that reads nothing (a capture waiting for Kafka) holds it up. Waits for the postmaster to go,
     * and after 60 s ends it at once (a crash restart, which PostgreSQL recovers from).
     */
    private void awaitStopped() {
        Path pidFile = dataDirectory.resolve("postmaster.pid");
        try {
            if (!Files.exists(pidFile)) {
                return;
            }
            long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
            Optional<ProcessHandle> postmaster = ProcessHandle.of(pid);
            if (postmaster.isEmpty()) {
                return;
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (postmaster.get().isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            if (postmaster.get().isAlive()) {
                postmaster.get().destroyForcibly();
                postmaster.get().onExit().get(10, TimeUnit.SECONDS);
            }
        } catch (IOException | RuntimeException | ExecutionException | TimeoutException e) {
            // no pid file or an unreadable one: nothing to wait for
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public int port() {
        return pg.getPort();
    }

    @Override
    public String description() {
        return "embedded PostgreSQL (zonky binaries, fsync off)";
    }

    @Override
    public void close() {
        try {
            pg.close();
        } catch (IOException e) {
            // shutting down anyway
        }
        TempDirectories.delete(dataDirectory);
    }
}
