package io.tailwater.embedded;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Apicurio Registry run as a child process with in-memory storage, serving the Confluent API at
 * {@code /apis/ccompat/v7}. The distribution is unpacked by the cli module's build into
 * {@code cli/target/apicurio}; {@code -Dtailwater.apicurio.home} points elsewhere.
 */
public final class EmbeddedRegistry implements RegistryServer {
    private final Process process;
    private final int port;
    private final Path logFile;

    private EmbeddedRegistry(Process process, int port, Path logFile) {
        this.process = process;
        this.port = port;
        this.logFile = logFile;
    }

    public static EmbeddedRegistry start() {
        Path home = home();
        Path jar = home.resolve("quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException("Apicurio Registry is not unpacked at " + home
                    + "; build once with ./mvnw -DskipTests package, or set -Dtailwater.apicurio.home");
        }
        try {
            int port = LocalPorts.free();
            int management = LocalPorts.free();
            Path log = Files.createTempFile("tailwater-registry", ".log");
            String java = ProcessHandle.current().info().command().orElse("java");
            List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m", "-XX:TieredStopAtLevel=1",
                    "-Dquarkus.http.port=" + port, "-Dquarkus.http.host=127.0.0.1",
                    "-Dquarkus.management.port=" + management, "-Dquarkus.management.host=127.0.0.1",
                    "-Dapicurio.rules.global.compatibility=BACKWARD",
                    "-Dquarkus.log.level=WARN",
                    "-jar", jar.toString()));
            Process p = new ProcessBuilder(cmd).directory(home.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly, "tailwater-registry-reaper")); // never leave it behind
            EmbeddedRegistry registry = new EmbeddedRegistry(p, port, log);
            registry.awaitReady(Duration.ofSeconds(120));
            return registry;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start Apicurio Registry: " + e.getMessage(), e);
        }
    }

    static Path home() {
        String configured = System.getProperty("tailwater.apicurio.home", System.getenv("TAILWATER_APICURIO_HOME"));
        if (configured != null) {
            return Path.of(configured);
        }
        try {
            Path jar = Path.of(EmbeddedRegistry.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path besideJar = jar.getParent().resolve("apicurio");
            if (Files.isDirectory(besideJar)) {
                return besideJar;
            }
        } catch (Exception ignored) {
            // fall through
        }
        return Path.of("cli", "target", "apicurio");
    }

    private void awaitReady(Duration timeout) {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Apicurio Registry exited with code " + process.exitValue() + "; see " + logFile);
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/subjects"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not up yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for Apicurio Registry", e);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        close();
        throw new IllegalStateException("Apicurio Registry did not answer within " + timeout.toSeconds() + "s; see " + logFile);
    }

    @Override
    public String url() {
        return "http://127.0.0.1:" + port + "/apis/ccompat/v7";
    }


    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
