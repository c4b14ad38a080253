package io.tailwater.capture;

import io.debezium.engine.DebeziumEngine;
import io.tailwater.config.LeaderConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * Brings tables created on the leader after capture started into the stream, when they match
 * {@code leader.tables}: adds each to the stream's publication, then has Debezium take a
 * blocking snapshot of it (streaming pauses, the table's rows are read, streaming resumes), so
 * rows written before the table joined the publication reach the followers too. Checks every
 * two seconds while capture streams.
 */
final class NewTableWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NewTableWatch.class);
    private static final Duration INTERVAL = Duration.ofSeconds(2);

    private final LeaderConfig leader;
    private final String publication;
    private final DebeziumEngine<?> engine;
    private final BooleanSupplier streaming;
    private final Set<String> refused = new HashSet<>();
    private final Thread thread;
    private volatile boolean running = true;

    NewTableWatch(LeaderConfig leader, String publication, DebeziumEngine<?> engine, BooleanSupplier streaming, String stream) {
        this.leader = leader;
        this.publication = publication;
        this.engine = engine;
        this.streaming = streaming;
        this.thread = new Thread(this::run, "tailwater-new-tables-" + stream);
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (running) {
            try {
                Thread.sleep(INTERVAL.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            if (!streaming.getAsBoolean()) {
                continue; // the initial snapshot covers every table that exists when it starts
            }
            try (Connection c = LeaderChecks.connect(leader, INTERVAL)) {
                check(c);
            } catch (RuntimeException | SQLException e) {
                LOG.debug("Could not look for new tables on the leader: {}", e.getMessage());
            }
        }
    }

    private void check(Connection c) throws SQLException {
        Set<String> published = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname = ?")) {
            ps.setString(1, publication);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    published.add(rs.getString(1));
                }
            }
        }
        if (published.isEmpty()) {
            return; // Debezium has not created the publication yet
        }
        for (LeaderChecks.LeaderTable t : LeaderChecks.matchingTables(c, leader)) {
            if (published.contains(t.qualified())) {
                continue;
            }
            String problem = t.identityProblem();
            if (problem != null) {
                if (refused.add(t.qualified())) {
                    LOG.error("New table {} matches leader.tables but is not captured: {}", t.quoted(), problem);
                }
                continue;
            }
            try (Statement s = c.createStatement()) {
                s.execute("ALTER PUBLICATION " + LeaderChecks.quote(publication) + " ADD TABLE " + t.quoted());
            }
            String collection = regexLiteral(t.qualified()).replace("\\", "\\\\").replace("\"", "\\\"");
            engine.getSignaler().signal(new DebeziumEngine.Signal(UUID.randomUUID().toString(), "execute-snapshot",
                    "{\"data-collections\": [\"" + collection + "\"], \"type\": \"BLOCKING\"}", null));
            LOG.info("New table {} matches leader.tables: added to publication '{}', taking its snapshot", t.quoted(), publication);
        }
    }

    /** {@code text} as a regular expression that matches only itself, escaping character by character (Debezium does not take \\Q..\\E). */
    static String regexLiteral(String text) {
        StringBuilder sb = new StringBuilder();
        text.codePoints().forEach(cp -> {
            if ("\\^$.|?*+()[]{}".indexOf(cp) >= 0) {
                sb.append('\\');
            }
            sb.appendCodePoint(cp);
        });
        return sb.toString();
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
