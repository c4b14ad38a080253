package io.tailwater.tests;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.tailwater.applier.Applier;
import io.tailwater.capture.Capture;
import io.tailwater.capture.LeaderNotReadyException;
import io.tailwater.cli.Main;
import io.tailwater.config.ConfigLoader;
import io.tailwater.config.StreamConfig;
import io.tailwater.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * A leader or setup that is not right: capture and appliers refuse at start, name the setting to
 * change, do not hang, and never show a password.
 */
@ExtendWith(SharedServices.class)
class MisconfigurationTest {
    private static final String SECRET = "Pa55-w0rd-that-must-not-leak";

    @Test
    void aLeaderWithoutLogicalWalIsRefusedNamingTheSetting() throws Exception {
        try (EmbeddedPostgres plain = EmbeddedPostgres.start(Map.of("wal_level", "replica"))) {
            String url = plain.createDatabase("plain");
            try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE items (id int PRIMARY KEY)");
            }
            StreamConfig config = configWithLeader("walreplica", url, "postgres");
            assertThatThrownBy(() -> new Capture(config, Duration.ofSeconds(10), new io.micrometer.core.instrument.simple.SimpleMeterRegistry()).start())
                    .isInstanceOf(LeaderNotReadyException.class)
                    .hasMessageContaining("wal_level is 'replica'").hasMessageContaining("wal_level = logical");
        }
    }

    @Test
    void aLeaderUserWithoutReplicationIsRefusedNamingTheGrant() throws Exception {
        try (TestStream s = new TestStream("noreplication", List.of("public.items"))) {
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE items (id int PRIMARY KEY)");
                st.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'plainuser') THEN"
                        + " CREATE ROLE plainuser LOGIN; END IF; END $$");
            }
            StreamConfig config = configWithLeader("noreplication", s.leaderUrl, "plainuser");
            assertThatThrownBy(() -> new Capture(config, Duration.ofSeconds(10), new io.micrometer.core.instrument.simple.SimpleMeterRegistry()).start())
                    .isInstanceOf(LeaderNotReadyException.class)
                    .hasMessageContaining("'plainuser' lacks the REPLICATION attribute").hasMessageContaining("ALTER ROLE");
        }
    }

    @Test
    void anUnreachableRegistryStopsCaptureAfterItsTimeoutNamingIt() throws Exception {
        try (TestStream s = new TestStream("noregistry", List.of("public.items"))) {
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE items (id int PRIMARY KEY)");
                st.execute("INSERT INTO items VALUES (1)");
            }
            String yaml = java.nio.file.Files.readString(s.configFile)
                    .replaceFirst("url: http://[^\\n]+", "url: http://127.0.0.1:1/apis/ccompat/v7\n  timeout: 2s");
            Capture capture = new Capture(new ConfigLoader().parse(yaml), Duration.ofSeconds(10), new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
            long start = System.nanoTime();
            assertThatThrownBy(capture::start).hasMessageContaining("schema registry at http://127.0.0.1:1")
                    .hasMessageContaining("within 2s (registry.timeout)");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("gives up after the timeout, does not hang").isLessThan(Duration.ofSeconds(30));
            capture.close();
        }
    }

    /**
     * Passwords in the config (leader, followers, registry) appear in no log line at any level
     * Tailwater, Debezium or Kafka writes at INFO, in no status output, and in no error message,
     * including the one for a wrong password.
     */
    @Test
    void passwordsNeverAppearInLogsStatusOrErrors() throws Exception {
        SharedServices.Services services = SharedServices.get();
        assumeThat(services.mariadb()).as("MariaDB checks the password; PostgreSQL here trusts every login").isNotNull();
        String mariaUrl = services.mariadb().createDatabase("secrets");
        try (Connection c = DriverManager.getConnection(services.mariadb().jdbcUrl("mysql"), "root", ""); Statement st = c.createStatement()) {
            st.execute("CREATE USER IF NOT EXISTS 'tw'@'%' IDENTIFIED BY '" + SECRET + "'");
            st.execute("GRANT ALL ON secrets.* TO 'tw'@'%'");
        }
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(logs);
        Map<String, Level> levels = Map.of("io.tailwater", Level.DEBUG, "io.debezium", Level.INFO, "org.apache.kafka", Level.INFO);
        Map<String, Level> before = new java.util.HashMap<>();
        levels.forEach((name, level) -> {
            Logger l = (Logger) LoggerFactory.getLogger(name);
            before.put(name, l.getLevel());
            l.setLevel(level);
        });
        List<String> seen = new ArrayList<>();
        String extra = "  warehouse:\n    jdbc-url: " + mariaUrl + "\n    user: tw\n    password: " + SECRET + "\n"
                + "  wrong:\n    jdbc-url: " + mariaUrl + "\n    user: tw\n    password: not-" + SECRET + "\n";
        try (TestStream s = new TestStream("secrets", List.of("public.items"), false, extra)) {
            String yaml = java.nio.file.Files.readString(s.configFile)
                    .replaceFirst("  user: postgres\n", "  user: postgres\n  password: " + SECRET + "\n")
                    .replaceFirst("(url: http://[^\\n]+)", "$1\n  user: tw\n  password: " + SECRET);
            java.nio.file.Files.writeString(s.configFile, yaml);
            StreamConfig config = new ConfigLoader().parse(yaml);
            assertThat(config.toString()).doesNotContain(SECRET);
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE items (id int PRIMARY KEY, qty int)");
                st.execute("INSERT INTO items VALUES (1, 1)");
            }
            Capture capture = new Capture(config, Duration.ofSeconds(30), new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
            capture.start();
            Applier warehouse = new Applier(config, "warehouse", Duration.ofSeconds(30));
            warehouse.start();
            Throwable wrong = org.assertj.core.api.Assertions.catchThrowable(() -> new Applier(config, "wrong", Duration.ofSeconds(5)).start());
            assertThat(wrong).as("a wrong password fails at once, naming the follower and the keys to check")
                    .hasMessageContaining("cannot open follower 'wrong'").hasMessageContaining("followers.wrong.jdbc-url, user and password");
            seen.add(String.valueOf(wrong));
            for (Throwable t = wrong; t != null; t = t.getCause()) {
                seen.add(String.valueOf(t.getMessage()));
            }
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("UPDATE items SET qty = 2");
            }
            Thread.sleep(3000);
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            Main.run(new PrintWriter(out), new PrintWriter(err), "status", "-c", s.configFile.toString(), "--json");
            Main.run(new PrintWriter(out), new PrintWriter(err), "status", "-c", s.configFile.toString());
            seen.add(out.toString());
            seen.add(err.toString());
            assertThat(out.toString()).contains("warehouse");
            warehouse.close();
            capture.close();
        } finally {
            root.detachAppender(logs);
            before.forEach((name, level) -> ((Logger) LoggerFactory.getLogger(name)).setLevel(level));
        }
        for (ILoggingEvent e : logs.list) {
            seen.add(e.getFormattedMessage());
            for (var t = e.getThrowableProxy(); t != null; t = t.getCause()) {
                seen.add(t.getMessage());
            }
        }
        assertThat(logs.list).as("the run logged something to look at").hasSizeGreaterThan(50);
        assertThat(seen).allSatisfy(line -> assertThat(String.valueOf(line)).doesNotContain(SECRET));
    }

    private static StreamConfig configWithLeader(String stream, String leaderUrl, String user) {
        SharedServices.Services s = SharedServices.get();
        return new ConfigLoader().parse(io.tailwater.embedded.EmbeddedStreamConfig.yaml(stream, s.kafka().bootstrapServers(), Map.of(),
                s.registry().url(), leaderUrl, user, List.of("public.items"),
                Map.of("lite", "jdbc:sqlite:" + System.getProperty("java.io.tmpdir") + "/" + stream + ".db")));
    }
}
