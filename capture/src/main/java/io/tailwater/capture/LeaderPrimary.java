package io.tailwater.capture;

import io.tailwater.config.ConfigException;
import io.tailwater.config.LeaderConfig;
import org.postgresql.Driver;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * The host and port of the leader's primary, which Debezium connects to (it takes one host). A
 * leader URL may list several, {@code jdbc:postgresql://db1:5432,db2:5432/app}, as for a primary
 * with physical standbys: capture then asks each in turn and takes the one that is not in
 * recovery, so that after the standby's promotion it continues there.
 *
 * @param host the host, as the URL names it
 * @param port its port
 */
record LeaderPrimary(String host, int port) {
    private static final String PREFIX = "jdbc:postgresql://";

    /** The primary among the URL's hosts; with one host, that host (asked nothing). */
    static LeaderPrimary find(LeaderConfig leader, Duration timeout) {
        List<LeaderPrimary> hosts = hosts(leader.jdbcUrl());
        if (hosts.size() == 1) {
            return hosts.get(0);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<String> states = new ArrayList<>();
            for (LeaderPrimary h : hosts) {
                try (Connection c = LeaderChecks.connect(leader.withJdbcUrl(h.url(leader.jdbcUrl())), Duration.ofSeconds(5), false); Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery()")) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        return h;
                    }
                    states.add(h + " is a standby");
                } catch (LeaderNotReadyException e) {
                    if (e.getCause() instanceof SQLException s && s.getSQLState() != null
                            && (s.getSQLState().startsWith("28") || s.getSQLState().equals("3D000"))) {
                        throw e; // a wrong password or database: no promotion mends it
                    }
                    states.add(h + " does not answer (" + e.getMessage() + ")");
                } catch (SQLException e) {
                    states.add(h + " does not answer (" + e.getMessage() + ")");
                }
            }
            if (System.nanoTime() > deadline) {
                String message = "no host of leader.jdbc-url " + LeaderConnections.hostPart(leader.jdbcUrl()) + " is a primary within "
                        + timeout.toSeconds() + "s (" + String.join(", ", states) + ")";
                // 08001, as pgjdbc says it for targetServerType=primary: a connection not made, which a promotion mends
                throw new LeaderNotReadyException(message + "; capture reads the primary's slot: promote a standby, or check"
                        + " leader.jdbc-url", new SQLException(message, "08001"));
            }
            try {
                Thread.sleep(500); // a standby being promoted becomes the primary within seconds
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LeaderNotReadyException("interrupted while looking for the leader's primary", e);
            }
        }
    }

    /** Whether a PostgreSQL JDBC URL lists more than one host. */
    static boolean isMultiHost(String jdbcUrl) {
        Properties url = Driver.parseURL(jdbcUrl, new Properties());
        return url != null && url.getProperty("PGHOST", "").contains(",");
    }

    /** The hosts a PostgreSQL JDBC URL lists, in order. */
    static List<LeaderPrimary> hosts(String jdbcUrl) {
        Properties url = Driver.parseURL(jdbcUrl, new Properties());
        if (url == null) {
            throw new ConfigException("leader.jdbc-url", "not a valid PostgreSQL JDBC URL");
        }
        String[] hosts = url.getProperty("PGHOST", "localhost").split(",");
        String[] ports = url.getProperty("PGPORT", "5432").split(",");
        List<LeaderPrimary> out = new ArrayList<>();
        for (int i = 0; i < hosts.length; i++) {
            out.add(new LeaderPrimary(hosts[i], Integer.parseInt(ports[Math.min(i, ports.length - 1)])));
        }
        return out;
    }

    /** {@code jdbcUrl} with this host in place of its host list; a URL of one host as it is. */
    String url(String jdbcUrl) {
        if (!isMultiHost(jdbcUrl)) {
            return jdbcUrl;
        }
        String rest = jdbcUrl.substring(PREFIX.length());
        int slash = rest.indexOf('/');
        String host = this.host.contains(":") ? "[" + this.host + "]" : this.host;
        return PREFIX + host + ":" + port + (slash < 0 ? "/" : rest.substring(slash));
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
