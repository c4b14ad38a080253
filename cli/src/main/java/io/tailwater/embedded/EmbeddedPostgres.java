package io.tailwater.embedded;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A PostgreSQL server from the binaries zonky ships on Maven Central, configured for logical
 * replication ({@code wal_level=logical}, {@code synchronous_commit=on}). Works as root: zonky
 * runs initdb and pg_ctl in a user namespace.
 */
public final class EmbeddedPostgres implements AutoCloseable {
    private final java.util.Map<String, String> settings;
    private final java.nio.file.Path dataDirectory;
    private volatile io.zonky.test.db.postgres.embedded.EmbeddedPostgres pg;

    private EmbeddedPostgres(java.util.Map<String, String> settings, java.nio.file.Path dataDirectory,
                             io.zonky.test.db.postgres.embedded.EmbeddedPostgres pg) {
        this.settings = settings;
        this.dataDirectory = dataDirectory;
        this.pg = pg;
    }

    public static EmbeddedPostgres start() {
        return start(java.util.Map.of());
    }

    /** A server with these settings changed from the defaults above (say {@code wal_level=replica}, to test a leader not set up). */
    public static EmbeddedPostgres start(java.util.Map<String, String> settings) {
        try {
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("tailwater-pg");
            return new EmbeddedPostgres(settings, dir, launch(settings, dir, 0));
        } catch (IOException e) {
            throw new IllegalStateException("cannot start an embedded PostgreSQL server: " + e.getMessage(), e);
        }
    }

    private static io.zonky.test.db.postgres.embedded.EmbeddedPostgres launch(java.util.Map<String, String> settings,
                                                                             java.nio.file.Path dir, int port) throws IOException {
        var builder = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
                .setDataDirectory(dir)
                .setCleanDataDirectory(false)
                .setPGStartupWait(java.time.Duration.ofSeconds(60))
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
     * starts it again on the same port and data, as an operator's restart does.
     */
    public synchronized void restart() {
        int port = port();
        try {
            pg.close();
            awaitStopped();
            pg = launch(settings, dataDirectory, port);
        } catch (IOException e) {
            throw new IllegalStateException("cannot restart the embedded PostgreSQL server on port " + port + ": " + e.getMessage(), e);
        }
    }

    /**
     * A fast shutdown waits for WAL senders to send what their clients have not read; a client
     * that reads nothing (a capture waiting for Kafka) holds it up. Waits for the postmaster to go,
     * and after 60 s ends it at once (a crash restart, which PostgreSQL recovers from).
     */
    private void awaitStopped() {
        java.nio.file.Path pidFile = dataDirectory.resolve("postmaster.pid");
        try {
            if (!java.nio.file.Files.exists(pidFile)) {
                return;
            }
            long pid = Long.parseLong(java.nio.file.Files.readAllLines(pidFile).get(0).trim());
            java.util.Optional<ProcessHandle> postmaster = ProcessHandle.of(pid);
            if (postmaster.isEmpty()) {
                return;
            }
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
            while (postmaster.get().isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            if (postmaster.get().isAlive()) {
                postmaster.get().destroyForcibly();
                postmaster.get().onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
            }
        } catch (IOException | RuntimeException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // no pid file or an unreadable one: nothing to wait for
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public int port() {
        return pg.getPort();
    }

    /** A JDBC URL for {@code database} as the superuser {@code postgres}. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://localhost:" + port() + "/" + database;
    }

    public String user() {
        return "postgres";
    }

    /** Creates a database (if missing) and returns its JDBC URL. */
    public String createDatabase(String name) {
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), user(), "");
             Statement s = c.createStatement()) {
            var rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + name.replace("'", "''") + "'");
            if (!rs.next()) {
                s.execute("CREATE DATABASE \"" + name.replace("\"", "\"\"") + "\"");
            }
            return jdbcUrl(name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name + ": " + e.getMessage(), e);
        }
    }

    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), user(), "");
    }

    @Override
    public void close() {
        try {
            pg.close();
        } catch (IOException e) {
            // shutting down anyway
        }
        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.walk(dataDirectory)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind
        }
    }
}
