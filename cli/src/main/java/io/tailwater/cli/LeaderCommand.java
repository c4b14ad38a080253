package io.tailwater.cli;

import io.tailwater.capture.LeaderWrites;
import io.tailwater.config.Durations;
import io.tailwater.config.StreamConfig;
import io.tailwater.failover.CurrentLeader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code tailwater leader}: which database takes the stream's writes now. */
@Command(name = "leader", mixinStandardHelpOptions = true,
        description = "Print the name and JDBC URL of the stream's current leader, as its log records it, so scripts and"
                + " connection poolers can point clients at it. Exits 1 when that leader does not take writes (unreachable,"
                + " a standby, or made read-only by a switchover).")
final class LeaderCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--timeout", defaultValue = "10s", description = "How long to wait for Kafka and the leader (default ${DEFAULT-VALUE}).")
    String timeout;

    @Override
    public Integer call() {
        StreamConfig stream = config.load();
        Duration t = Durations.parse(timeout);
        CurrentLeader leader = CurrentLeader.read(stream, t);
        PrintWriter out = spec.commandLine().getOut();
        out.println(leader.name() + " " + JdbcUrls.redacted(leader.database().jdbcUrl()));
        out.flush();
        if (!LeaderWrites.writable(leader.database(), t)) {
            spec.commandLine().getErr().println("tailwater leader: the leader '" + leader.name() + "' (" + leader.leader().describe()
                    + ") does not take writes: it is unreachable, a standby, or read-only");
            spec.commandLine().getErr().flush();
            return 1;
        }
        return 0;
    }
}
