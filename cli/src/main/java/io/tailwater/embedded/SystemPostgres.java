package io.tailwater.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL server from binaries installed on this machine (Debian's {@code postgresql-15}
 * package, say) in a temporary data directory, configured for logical replication as
 * {@link EmbeddedPostgres} is, but with {@code fsync} on, as a production server runs.
 * PostgreSQL refuses to run as root; as root, initdb and the server run as the {@code postgres}
 * user through {@code setpriv}.
 */
public final class SystemPostgres implements PostgresServer {
    /** Where Debian installs PostgreSQL 15's server binaries. */
    public static final Path DEBIAN_15 = Path.of("/usr/lib/postgresql/15/bin");

    private final Path bin;
    private final Path dataDirectory;
    private final int port;
    private final String version;
    private final List<String> asOwner;

    private SystemPostgres(Path bin, Path dataDirectory, int port, String version, List<String> asOwner) {
        this.bin = bin;
        this.dataDirectory = dataDirectory;
        this.port = port;
        this.version = version;
        this.asOwner = asOwner;
    }

    /** The server binaries in {@code bin}, if they are installed and can run here. */
    public static Optional<Path> installed(Path bin) {
        return Files.isExecutable(bin.resolve("postgres")) && Files.isExecutable(bin.resolve("pg_ctl")) ? Optional.of(bin)
                : Optional.empty();
    }

    /** Initialises a data directory and starts a server from the binaries in {@code bin} on a free port. */
    public static SystemPostgres start(Path bin) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("tailwater-syspg");
            List<String> asOwner = new ArrayList<>();
            if ("root".equals(System.getProperty("user.name"))) {
                UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
                Files.setOwner(dir, users.lookupPrincipalByName("postgres"));
                asOwner.addAll(List.of("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"));
            }
            run(asOwner, dir, bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", "postgres", "-A", "trust",
                    "-E", "UTF8", "--no-locale", "--no-sync");
            int port = LocalPorts.free();
            String options = "-p " + port + " -k " + dir + " -c listen_addresses=localhost -c wal_level=logical"
                    + " -c max_replication_slots=40 -c max_wal_senders=40 -c max_connections=200 -c synchronous_commit=on";
            run(asOwner, dir, bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-l", dir.resolve("server.log").toString(),
                    "-w", "-t", "60", "-o", options, "start");
            String version = run(List.of(), dir, bin.resolve("postgres").toString(), "--version").trim();
            return new SystemPostgres(bin, dir, port, version, asOwner);
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            TempDirectories.delete(dir);
            throw new IllegalStateException("cannot start a PostgreSQL server from " + bin + ": " + e.getMessage(), e);
        }
    }


    /** Runs a command as the data directory's owner and returns its output; a non-zero exit is an error with that output. */
    private static String run(List<String> asOwner, Path dir, String... command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(asOwner);
        full.addAll(List.of(command));
        Path output = Files.createTempFile("tailwater-syspg", ".out");
        try {
            Process p = new ProcessBuilder(full).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within 120 s");
            }
            String text = Files.readString(output);
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " exited with " + p.exitValue() + ": " + text.strip());
            }
            return text;
        } finally {
            Files.deleteIfExists(output);
        }
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public String description() {
        return version + " from " + bin + ", fsync on";
    }

    @Override
    public void close() {
        try {
            run(asOwner, dataDirectory, bin.resolve("pg_ctl").toString(), "-D", dataDirectory.resolve("data").toString(), "-m", "fast", "-w",
                    "stop");
        } catch (IOException e) {
            // already stopped, or stopping anyway: the directory goes below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        TempDirectories.delete(dataDirectory);
    }
}
