package io.tailwater.tests.faults;

import io.tailwater.cli.Main;
import io.tailwater.config.LeaderConfig;
import io.tailwater.config.StreamConfig;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Which of the harness's two PostgreSQL databases leads, and its "promote" fault: a planned
 * switchover to the other one by {@code tailwater promote}, then {@code tailwater rejoin} of the
 * old leader, whose applier then starts. The configured leader's database is also the follower
 * {@value #ORIGIN}, so that it can be rejoined and promoted back.
 */
final class Leadership {
    /** The configured leader's database, as a follower. */
    static final String ORIGIN = "origin";
    /** The other PostgreSQL database. */
    static final String COPY = "pg";

    private final StreamConfig config;
    private final Path configFile;
    private final Path dir;
    private volatile String leader = ORIGIN;
    private int switchovers;

    Leadership(StreamConfig config, Path configFile, Path dir) {
        this.config = config;
        this.configFile = configFile;
        this.dir = dir;
    }

    /** The follower name of the database that leads. */
    String leader() {
        return leader;
    }

    /** The JDBC URL of the database that leads. */
    String leaderUrl() {
        return config.follower(leader).jdbcUrl();
    }

    /** The leading database as capture reads it. */
    LeaderConfig leaderDatabase() {
        return config.leader().on(config.follower(leader));
    }

    /** The follower name the log's leader of an epoch has: the configured leader's is {@value #ORIGIN}. */
    static String database(String logLeader) {
        return logLeader.equals("leader") ? ORIGIN : logLeader;
    }

    /**
     * Switches over to the other database; then rejoins the old leader and starts its applier.
     * {@code stopApplier} and {@code startApplier} act on the supervised applier processes.
     * Returns whether the switchover happened; a rejoin that reports lost writes goes into
     * {@code violations}.
     */
    boolean switchOver(Consumer<String> stopApplier, Consumer<String> startApplier, List<String> violations) throws InterruptedException {
        String target = leader.equals(ORIGIN) ? COPY : ORIGIN;
        String old = leader;
        StringWriter out;
        StringWriter err;
        for (int attempt = 1; ; attempt++) {
            out = new StringWriter();
            err = new StringWriter();
            int exit = Main.run(new PrintWriter(out), new PrintWriter(err), "promote", "--config", configFile.toString(), "--follower",
                    target, "--catch-up-timeout", "120s", "--drain-timeout", "120s");
            if (exit == 0) {
                break;
            }
            // A promote that fails leaves the stream with its leader; the broker or a server is being restarted meanwhile.
            System.out.println("  promote of " + target + " failed (attempt " + attempt + "; the stream goes on with " + old + "): "
                    + err.toString().trim());
            if (attempt == 10) {
                return false;
            }
            Thread.sleep(2000); // spaces the retries of a promote that failed; each try checks the condition itself
        }
        leader = target;
        stopApplier.accept(target);
        Path report = dir.resolve("lost-writes-" + (++switchovers) + ".jsonl");
        for (int attempt = 1; ; attempt++) {
            out = new StringWriter();
            err = new StringWriter();
            int exit = Main.run(new PrintWriter(out), new PrintWriter(err), "rejoin", "--config", configFile.toString(), "--follower", old,
                    "--report", report.toString());
            if (exit == 0) {
                break;
            }
            if (attempt == 30) {
                violations.add("the old leader " + old + " could not rejoin after a switchover: " + err.toString().trim());
                return true;
            }
            Thread.sleep(1000); // a server or the broker is being restarted by another fault
        }
        if (!out.toString().contains("lost writes: none")) {
            violations.add("a switchover to " + target + " lost writes of " + old + ": " + out.toString().trim());
        }
        startApplier.accept(old);
        return true;
    }

    /** The config's followers that have an applier at the start: all but {@value #ORIGIN}, which leads. */
    static List<String> startingFollowers(Map<String, ?> followers) {
        return followers.keySet().stream().filter(f -> !f.equals(ORIGIN)).toList();
    }
}
