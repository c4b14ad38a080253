package io.tailwater.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A MariaDB server from the machine's own binaries ({@code mariadbd}, Debian's
 * {@code mariadb-server}), in a temporary datadir, on a free port of 127.0.0.1, with root and no
 * password, with the binlog on so that it serves as a leader as well as a follower. Works as
 * root. {@link #available()} says whether the binaries are there.
 */
public final class EmbeddedMariaDb implements MariaDbServer {
    private static final List<Path> SEARCH = List.of(Path.of("/usr/sbin"), Path.of("/usr/bin"), Path.of("/usr/local/sbin"),
            Path.of("/usr/local/bin"), Path.of("/usr/local/mysql/bin"));

    private volatile Process process;
    private final List<String> command;
    private final Path dir;
    private final int port;

    private EmbeddedMariaDb(Process process, List<String> command, Path dir, int port) {
        this.process = process;
        this.command = command;
        this.dir = dir;
        this.port = port;
    }

    /** Whether {@code mariadbd} and {@code mariadb-install-db} are installed. */
    public static boolean available() {
        return binary("mariadbd").isPresent() && binary("mariadb-install-db").isPresent();
    }

    private static Optional<Path> binary(String name) {
        List<Path> dirs = new ArrayList<>(SEARCH);
        for (String p : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!p.isEmpty()) {
                dirs.add(0, Path.of(p));
            }
        }
        return dirs.stream().map(d -> d.resolve(name)).filter(Files::isExecutable).findFirst();
    }

    public static EmbeddedMariaDb start() {
        Path server = binary("mariadbd").orElseThrow(() -> new IllegalStateException(
                "MariaDB is not installed (no mariadbd); install Debian's mariadb-server"));
        Path install = binary("mariadb-install-db").orElseThrow(() -> new IllegalStateException(
                "MariaDB is not installed (no mariadb-install-db); install Debian's mariadb-server"));
        try {
            Path dir = Files.createTempDirectory("tailwater-mariadb");
            Path data = dir.resolve("data");
            run(List.of(install.toString(), "--no-defaults", "--user=root", "--datadir=" + data, "--auth-root-authentication-method=normal",
                    "--skip-test-db"), dir.resolve("install.log"));
            int port = LocalPorts.free();
            List<String> command = List.of(server.toString(), "--no-defaults", "--user=root", "--datadir=" + data,
                    "--socket=" + dir.resolve("mariadb.sock"), "--port=" + port, "--bind-address=127.0.0.1", "--pid-file=" + dir.resolve("pid"),
                    "--innodb-buffer-pool-size=128M", "--innodb-log-file-size=64M", "--innodb-flush-log-at-trx-commit=2",
                    "--character-set-server=utf8mb4", "--collation-server=utf8mb4_nopad_bin", "--max-connections=300",
                    // A leader too: the binlog as capture needs it (row events with full images, GTIDs are always on).
                    "--log-bin=mariadb-bin", "--binlog-format=ROW", "--binlog-row-image=FULL", "--server-id=1");
            EmbeddedMariaDb db = new EmbeddedMariaDb(launch(command, dir), command, dir, port);
            db.awaitReady();
            return db;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start MariaDB: " + e.getMessage(), e);
        }
    }

    private static Process launch(List<String> command, Path dir) throws IOException {
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("server.log").toFile())).start();
    }

    /** Stops the server as its service manager would (SIGTERM) and starts it again on the same data and port. */
    public synchronized void restart() {
        stopProcess();
        try {
            process = launch(command, dir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot restart MariaDB on port " + port + ": " + e.getMessage(), e);
        }
        awaitReady();
    }

    private void stopProcess() {
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void run(List<String> command, Path log) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException(command.get(0) + " failed; see " + log + ":\n" + Files.readString(log));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while initialising MariaDB", e);
        }
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        SQLException last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                break;
            }
            try (Connection c = DriverManager.getConnection(jdbcUrl("mysql"), "root", "")) {
                return;
            } catch (SQLException e) {
                last = e;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        close();
        String log;
        try {
            log = Files.readString(dir.resolve("server.log"));
        } catch (IOException e) {
            log = "";
        }
        throw new IllegalStateException("MariaDB did not start" + (last == null ? "" : ": " + last.getMessage()) + "\n" + log);
    }


    @Override
    public int port() {
        return port;
    }

    @Override
    public void close() {
        stopProcess();
        TempDirectories.delete(dir);
    }
}
