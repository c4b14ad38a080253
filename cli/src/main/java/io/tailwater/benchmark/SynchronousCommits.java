package io.tailwater.benchmark;

import io.tailwater.capture.Capture;
import io.tailwater.config.StreamConfig;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;

/**
 * Leader commit latency of single-row transactions, one after another, when a synchronous
 * standby must confirm each commit: Tailwater's synchronous capture, or a native subscription,
 * listed in the leader's {@code synchronous_standby_names}; and with no standby, for reference.
 * The time is from sending the INSERT to the commit returning.
 */
public final class SynchronousCommits {
    /** Who the leader waits for. */
    public enum Standby {
        NONE("no synchronous standby"), TAILWATER("Tailwater, synchronous capture"), NATIVE("native, synchronous subscription");

        final String label;

        Standby(String label) {
            this.label = label;
        }
    }

    /** Commit latency percentiles, in milliseconds. */
    public record Result(Standby standby, int transactions, double p50, double p99, double max) {
    }

    private final BenchmarkServers servers;

    public SynchronousCommits(BenchmarkServers servers) {
        this.servers = servers;
    }

    /** Runs {@code transactions} commits on a new scenario named {@code name}, with {@code standby} confirming each. */
    public Result measure(Standby standby, int transactions, String name, PrintStream out) throws Exception {
        try (Scenario s = new Scenario(servers, name, false)) {
            String standbyName = switch (standby) {
                case NONE -> null;
                case TAILWATER -> {
                    StreamConfig sync = s.config.withLeader(s.config.leader().withSynchronous(true));
                    Capture c = s.startCapture(sync);
                    s.awaitStreaming(sync, c);
                    yield Capture.slotName(sync.stream());
                }
                case NATIVE -> {
                    // Its apply worker's default, off, confirms a commit only after the next WAL flush (~200 ms): 'on' as Tailwater does
                    s.nativeSynchronousCommit();
                    s.enableNative();
                    yield s.subscription();
                }
            };
            try (Connection c = servers.leader().connect(s.db); Statement st = c.createStatement()) {
                try {
                    if (standbyName != null) {
                        setStandby(st, '"' + standbyName + '"');
                        awaitSync(st, standbyName);
                    }
                    Result r = time(c, standby, transactions);
                    out.printf("%-40s %,d single-row transactions: leader commit p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                            "commit (" + standby.label + ")", transactions, r.p50(), r.p99(), r.max());
                    return r;
                } finally {
                    if (standbyName != null) {
                        setStandby(st, "");
                    }
                }
            }
        }
    }

    private static Result time(Connection c, Standby standby, int n) throws SQLException {
        double[] ms = new double[n];
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO items VALUES (?, 1, 9.99, 'commit', now())")) {
            for (int i = 0; i < n; i++) {
                ps.setLong(1, i);
                long start = System.nanoTime();
                ps.executeUpdate();
                ms[i] = (System.nanoTime() - start) / 1e6;
            }
        }
        Arrays.sort(ms);
        return new Result(standby, n, ms[n / 2], ms[(int) (n * 0.99)], ms[n - 1]);
    }

    private static void setStandby(Statement st, String names) throws SQLException {
        st.execute("ALTER SYSTEM SET synchronous_standby_names = '" + names.replace("'", "''") + "'");
        st.execute("SELECT pg_reload_conf()");
    }

    /** Waits until the leader reports the standby as synchronous (it is connected, and the setting is loaded). */
    private static void awaitSync(Statement st, String standby) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_replication WHERE application_name = '" + standby
                    + "' AND sync_state = 'sync'")) {
                rs.next();
                if (rs.getInt(1) > 0) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the leader did not report '" + standby + "' as a synchronous standby within 60 s");
            }
            Thread.sleep(50); // polls a condition with a deadline
        }
    }
}
