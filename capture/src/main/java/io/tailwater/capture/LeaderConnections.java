package io.tailwater.capture;

import io.tailwater.config.LeaderConfig;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import java.util.function.Function;

/**
 * Connections to a leader of either kind: the user and password of its config, tried again with
 * backoff until a timeout, except for refusals that no retry mends (a wrong password, a missing
 * database), which each kind recognises in its own error codes.
 */
public final class LeaderConnections {
    private LeaderConnections() {
    }

    /**
     * A connection with {@code props} (the leader's user and password added).
     *
     * @param server what to call the server in messages ({@code PostgreSQL}, {@code MariaDB})
     * @param refusal the way forward for an error that a retry cannot mend, or null for one it may
     * @param retry whether to try again until {@code timeout}; else one attempt
     */
    public static Connection connect(LeaderConfig leader, Properties props, Duration timeout, boolean retry, String server,
                                     Function<SQLException, String> refusal) {
        Properties p = new Properties();
        p.putAll(props);
        if (leader.user() != null) {
            p.setProperty("user", leader.user());
        }
        if (leader.password().isPresent()) {
            p.setProperty("password", leader.password().value());
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        long backoff = 200;
        while (true) {
            try {
                return DriverManager.getConnection(leader.jdbcUrl(), p);
            } catch (SQLException e) {
                String refused = refusal.apply(e);
                if (refused != null) {
                    throw new LeaderNotReadyException(refused, e);
                }
                if (!retry || System.nanoTime() + backoff * 1_000_000 > deadline) {
                    throw new LeaderNotReadyException("cannot connect to the leader at " + hostPart(leader.jdbcUrl())
                            + " within " + timeout.toSeconds() + "s: " + e.getMessage() + "; check leader.jdbc-url and that " + server
                            + " is up", e);
                }
                try {
                    Thread.sleep(backoff); // the backoff between connection attempts: time is what it is about
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new LeaderNotReadyException("interrupted while connecting to the leader", ie);
                }
                backoff = Math.min(backoff * 2, 3000);
            }
        }
    }

    /** The JDBC URL without its query string, which may hold a password. */
    public static String hostPart(String url) {
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q);
    }
}
