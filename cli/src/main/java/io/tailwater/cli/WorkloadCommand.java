package io.tailwater.cli;

import io.tailwater.config.Durations;
import io.tailwater.config.LeaderConfig;
import io.tailwater.demo.ShopWorkload;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** {@code tailwater workload}: the demo's shop workload on a stream's leader, to try Tailwater on servers of one's own. */
@Command(name = "workload", mixinStandardHelpOptions = true,
        description = "Create the demo's shop tables (customers, orders, order_items) on the stream's leader when missing,"
                + " seed customers into an empty shop, then run random leader transactions on them at a steady rate."
                + " For trying Tailwater (the compose demo runs it); it writes to the leader, so never point it at production.")
final class WorkloadCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Spec
    CommandSpec spec;

    @Option(names = {"-d", "--duration"}, defaultValue = "30s",
            description = "How long to run transactions, e.g. 20s, 2m; 0s only creates and seeds the tables (default ${DEFAULT-VALUE}).")
    String duration;

    @Option(names = "--rate", defaultValue = "200", description = "Leader transactions per second (default ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--customers", defaultValue = "200", description = "Customers to seed an empty shop with (default ${DEFAULT-VALUE}).")
    int customers;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the random transactions (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws SQLException {
        LeaderConfig leader = config.load().leader();
        Duration runFor = Durations.parse(duration);
        if (!(rate > 0)) {
            throw new IllegalArgumentException("--rate must be above 0, not " + rate);
        }
        PrintWriter out = spec.commandLine().getOut();
        ShopWorkload workload = new ShopWorkload(seed);
        try (Connection c = DriverManager.getConnection(leader.jdbcUrl(), leader.user(), leader.password().value())) {
            ShopWorkload.createSchema(c);
            if (empty(c)) {
                workload.seed(c, customers);
                out.println("workload: created the shop's tables and seeded " + customers + " customers");
            } else {
                workload.resume(c);
            }
            out.flush();
            if (runFor.isZero()) {
                return 0;
            }
            long interval = (long) (TimeUnit.SECONDS.toNanos(1) / rate);
            long start = System.nanoTime();
            long end = start + runFor.toNanos();
            long next = start;
            while (System.nanoTime() < end) {
                workload.runTransaction(c);
                next += interval;
                LockSupport.parkNanos(next - System.nanoTime()); // the rate is the condition: time is what it paces
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()")) {
                rs.next();
                out.println("workload: committed " + workload.transactions() + " transactions in " + runFor.toSeconds()
                        + " s; the leader is at " + rs.getString(1) + " (tailwater await --lsn " + rs.getString(1) + ")");
            }
        }
        return 0;
    }

    private static boolean empty(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT NOT EXISTS (SELECT 1 FROM customers)")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }
}
