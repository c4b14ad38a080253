package io.tailwater.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class MainTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void everyCommandHasHelp() {
        for (String command : new String[] {"capture", "apply", "status", "demo"}) {
            assertThat(run(command, "--help")).as(command).isZero();
            assertThat(out.toString()).contains("Usage: tailwater " + command);
        }
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("capture", "apply", "status", "demo");
    }

    @Test
    void aCommandLineHoldsTheNamedCommandOnlyAndTheHelpListsThemAll() {
        assertThat(TailwaterCommand.commandLine("apply", "--help").getSubcommands()).containsOnlyKeys("apply");
        assertThat(TailwaterCommand.commandLine("--version").getSubcommands()).hasSize(TailwaterCommand.SUBCOMMANDS.size());
        assertThat(run("--help")).isZero();
        for (Class<?> c : TailwaterCommand.SUBCOMMANDS) {
            assertThat(out.toString()).contains("  " + c.getAnnotation(Command.class).name() + " ");
        }
    }

    @Test
    void anUnknownCommandGetsTheNearestOne() {
        assertThat(run("captur", "--config", "x.yaml")).isEqualTo(2);
        assertThat(err.toString()).contains("'captur'").contains("capture");
    }

    /** A config file with a leader, plus {@code more} (indented YAML lines under the root). */
    private static Path config(Path dir, String leaderExtra, String more) throws Exception {
        Path file = dir.resolve("stream.yaml");
        Files.writeString(file, """
                stream: shop
                kafka:
                  bootstrap.servers: localhost:9092
                registry:
                  url: http://localhost:8081
                leader:
                  jdbc-url: jdbc:postgresql://localhost:5432/shop
                  tables: [public.customers]
                """ + leaderExtra + more);
        return file;
    }

    @Test
    void aBadConfigGetsAMessageNamingTheKey(@TempDir Path dir) throws Exception {
        Path config = config(dir, "  password: ${TAILWATER_TEST_UNSET_VARIABLE}\n", "");
        assertThat(run("capture", "--config", config.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("leader.password").contains("TAILWATER_TEST_UNSET_VARIABLE");
    }

    @Test
    void aMissingConfigFileIsNamed(@TempDir Path dir) {
        assertThat(run("status", "--config", dir.resolve("nope.yaml").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("nope.yaml").contains("does not exist");
    }

    @Test
    void applyNeedsAFollowerThatTheConfigHas(@TempDir Path dir) throws Exception {
        Path config = config(dir, "", "followers:\n  reporting:\n    jdbc-url: jdbc:sqlite:/tmp/x.db\n");
        assertThat(run("apply", "--config", config.toString(), "--follower", "analytics")).isEqualTo(2);
        assertThat(err.toString()).contains("no follower named 'analytics'").contains("reporting");
    }
}
