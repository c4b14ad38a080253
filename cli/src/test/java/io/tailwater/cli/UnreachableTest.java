package io.tailwater.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Nothing listens on port 1: each command gives up after its timeout with a message that names
 * what it could not reach and what to check, and never shows a password.
 */
class UnreachableTest {
    private static final String SECRET = "s3cr3t-Passw0rd";

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    private static Path config(Path dir) throws Exception {
        Path file = dir.resolve("stream.yaml");
        Files.writeString(file, """
                stream: shop
                kafka:
                  bootstrap.servers: 127.0.0.1:1
                registry:
                  url: http://127.0.0.1:1/apis/ccompat/v7
                  timeout: 2s
                leader:
                  jdbc-url: jdbc:postgresql://127.0.0.1:1/shop
                  user: replicator
                  password: %s
                  tables: [public.customers]
                followers:
                  reporting:
                    jdbc-url: jdbc:postgresql://127.0.0.1:1/replica
                    user: tailwater
                    password: %s
                """.formatted(SECRET, SECRET));
        return file;
    }

    @Test
    void captureNamesTheLeaderItCannotReach(@TempDir Path dir) throws Exception {
        assertThat(run("capture", "--config", config(dir).toString(), "--startup-timeout", "2s")).isEqualTo(2);
        assertThat(err.toString()).contains("cannot connect to the leader at jdbc:postgresql://127.0.0.1:1/shop")
                .contains("check leader.jdbc-url").doesNotContain(SECRET);
        assertThat(out.toString()).doesNotContain(SECRET);
    }

    @Test
    void applyNamesTheFollowerItCannotReach(@TempDir Path dir) throws Exception {
        assertThat(run("apply", "--config", config(dir).toString(), "--follower", "reporting", "--startup-timeout", "2s")).isEqualTo(2);
        assertThat(err.toString()).contains("cannot open follower 'reporting'").contains("followers.reporting.jdbc-url")
                .doesNotContain(SECRET);
    }

    @Test
    void statusNamesTheBrokersItCannotReach(@TempDir Path dir) throws Exception {
        assertThat(run("status", "--config", config(dir).toString(), "--timeout", "2s")).isEqualTo(2);
        assertThat(err.toString()).contains("Kafka at 127.0.0.1:1").contains("did not").doesNotContain(SECRET);
    }
}
