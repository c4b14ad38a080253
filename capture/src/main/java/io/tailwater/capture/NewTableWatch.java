package io.tailwater.capture;

import io.debezium.engine.DebeziumEngine;
import io.tailwater.config.LeaderConfig;
import io.tailwater.schemas.TableId;
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
import java.util.function.LongSupplier;

/**
 * Brings tables created on the leader after capture started into the stream, when they match
 * {@code leader.tables}: adds each to the stream's publication, then has Debezium take a
 * blocking snapshot of it (streaming pauses, the table's rows are read, streaming resumes), so
 * rows written before the table joined the publication reach the followers too. Checks every
 * two seconds while capture streams. A table it cannot add is named in an ERROR line, once.
 */
final class NewTableWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NewTableWatch.class);
    private static final Duration INTERVAL = Duration.ofSeconds(2);
    /** How long adding a table waits for the transactions that write it (writers queue behind the wait). */
    private static final Duration LOCK_WAIT = Duration.ofMillis(250);
    /** SQLSTATE lock_not_available: the lock wait timed out. */
    private static final String LOCK_NOT_AVAILABLE = "55P03";

    /** What the watch does with a new table, which depends on the reader that streams. */
    sealed interface Mode {
        /**
         * Debezium streams: the watch adds a new table to the publication and has Debezium
         * ({@code engine}) take its snapshot. With {@code whenSettled} (the own reader is wanted),
         * it runs that once no table is joining and a streamed transaction has committed since
         * it last looked: every snapshot is then in the log, and Debezium may hand over.
         */
        record TakeSnapshots(DebeziumEngine<?> engine, LongSupplier streamedCommits, Runnable whenSettled) implements Mode {
        }

        /** Tailwater's own reader streams: a new table that needs a snapshot makes it hand over to Debezium. */
        record HandOver(Runnable handOver) implements Mode {
        }
    }

    private final LeaderConfig leader;
    private final String publication;
    private final Mode mode;
    private final JoiningTables joining;
    private final Set<String> refused = new HashSet<>();
    /** New tables that could not be added to the publication (logged once each, tried again at each check). */
    private final Set<String> failed = new HashSet<>();
    /** New tables whose writers held off the lock at the last check (logged once each). */
    private final Set<String> busy = new HashSet<>();
    private final Thread thread;
    private volatile boolean running = true;
    /** Streamed commits when the watch first found everything settled, or -1 (see {@link Mode.TakeSnapshots}). */
    private long settledAt = -1;

    NewTableWatch(LeaderConfig leader, String stream, JoiningTables joining, Mode mode) {
        this.leader = leader;
        this.joining = joining;
        this.publication = Capture.slotName(stream);
        this.mode = mode;
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
            if (mode instanceof Mode.TakeSnapshots t && t.streamedCommits().getAsLong() == 0) {
                continue; // the initial snapshot covers every table that exists when it starts
            }
            boolean quiet;
            try (Connection c = LeaderChecks.connect(leader, INTERVAL)) {
                quiet = check(c);
            } catch (RuntimeException | SQLException e) {
                LOG.debug("Could not look for new tables on the leader: {}", e.getMessage());
                quiet = false;
            }
            if (mode instanceof Mode.TakeSnapshots t && t.whenSettled() != null && running) {
                long commits = t.streamedCommits().getAsLong();
                if (!quiet || !joining.settled()) {
                    settledAt = -1;
                } else if (settledAt < 0) {
                    settledAt = commits;
                } else if (commits > settledAt) {
                    running = false;
                    t.whenSettled().run();
                    return;
                }
            }
        }
    }

    /**
     * The tables a stream's publication holds now, and whether the leader has a table that
     * matches {@code leader.tables} and can be captured but is not in it yet: one that needs a
     * snapshot to join the stream.
     */
    record Publication(Set<String> tables, boolean anyUnpublished) {
        static Publication read(LeaderConfig leader, String publication, Duration timeout) {
            try (Connection c = LeaderChecks.connect(leader, timeout)) {
                Set<String> published = published(c, publication);
                for (LeaderChecks.LeaderTable t : LeaderChecks.matchingTables(c, leader)) {
                    if (!published.contains(t.qualified()) && t.identityProblem() == null) {
                        return new Publication(published, true);
                    }
                }
                return new Publication(published, false);
            } catch (SQLException e) {
                throw new LeaderNotReadyException("cannot read publication '" + publication + "' on the leader: " + e.getMessage(), e);
            }
        }
    }

    private static Set<String> published(Connection c, String publication) throws SQLException {
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
        return published;
    }

    /** Brings in what is new; true when there was nothing to bring in, now or pending (nothing added, busy or failing). */
    private boolean check(Connection c) throws SQLException {
        Set<String> published = published(c, publication);
        if (published.isEmpty()) {
            return false; // Debezium has not created the publication yet
        }
        boolean quiet = true;
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
            quiet = false;
            if (mode instanceof Mode.HandOver h) {
                LOG.info("New table {} matches leader.tables: capture hands streaming over to Debezium, which adds it to"
                        + " publication '{}' and takes its snapshot", t.quoted(), publication);
                running = false;
                h.handOver().run();
                return false;
            }
            boolean empty;
            try {
                Boolean added = addToPublication(c, t);
                if (added == null) {
                    continue;
                }
                empty = !added;
            } catch (SQLException e) {
                if (failed.add(t.qualified())) {
                    LOG.error("New table {} matches leader.tables but capture could not add it to publication '{}': {}. Its changes"
                            + " are not captured yet; make the capture user the table's owner, and capture adds it at its next"
                            + " check (every {} s)", t.quoted(), publication, e.getMessage(), INTERVAL.toSeconds());
                }
                continue;
            }
            if (empty) {
                LOG.info("New table {} matches leader.tables: added to publication '{}'; it was empty, so its changes stream from"
                        + " now on and no snapshot is needed", t.quoted(), publication);
                continue;
            }
            String collection = regexLiteral(t.qualified()).replace("\\", "\\\\").replace("\"", "\\\"");
            joining.snapshotAsked();
            DebeziumEngine<?> engine = ((Mode.TakeSnapshots) mode).engine();
            engine.getSignaler().signal(new DebeziumEngine.Signal(UUID.randomUUID().toString(), "execute-snapshot",
                    "{\"data-collections\": [\"" + collection + "\"], \"type\": \"BLOCKING\"}", null));
            LOG.info("New table {} matches leader.tables: added to publication '{}', taking its snapshot", t.quoted(), publication);
        }
        return quiet;
    }

    /**
     * Adds {@code t} to the publication while holding a lock that waits out every transaction
     * writing it. PostgreSQL before the May 2025 minor releases loses, for good, the changes of a
     * table added to a publication while a transaction that had already written it was open: the
     * walsender decodes that transaction with the old catalog, caches "not published" for the
     * table, and never drops that entry ("Fix data loss in logical replication", pgsql-hackers).
     * The lock (the one PostgreSQL's fix was first written with) means no such transaction exists.
     * It waits {@link #LOCK_WAIT} at most, so writers queued behind it are held no longer; a table
     * a long transaction keeps busy is tried again at the next check.
     *
     * <p>Under the lock the table's rows are settled. When it has none, every change it will ever
     * have streams and no snapshot is needed. When it has some, its streamed changes are left out
     * of the log from the publication change until its snapshot ({@link JoiningTables}).
     *
     * @return null when the table could not be locked in time; else whether it had rows (and needs a snapshot)
     */
    private Boolean addToPublication(Connection c, LeaderChecks.LeaderTable t) throws SQLException {
        c.setAutoCommit(false);
        TableId id = new TableId(t.schema(), t.table());
        boolean hasRows = false;
        try (Statement s = c.createStatement()) {
            s.execute("SET LOCAL lock_timeout = '" + LOCK_WAIT.toMillis() + "ms'");
            s.execute("LOCK TABLE " + t.quoted() + " IN SHARE ROW EXCLUSIVE MODE");
            try (ResultSet rs = s.executeQuery("SELECT EXISTS (SELECT 1 FROM " + t.quoted() + ")")) {
                rs.next();
                hasRows = rs.getBoolean(1);
            }
            if (hasRows) {
                joining.join(id); // before the commit: no streamed change of the table comes earlier
            }
            s.execute("ALTER PUBLICATION " + LeaderChecks.quote(publication) + " ADD TABLE " + t.quoted());
            c.commit();
            busy.remove(t.qualified());
            failed.remove(t.qualified());
            return hasRows;
        } catch (SQLException e) {
            c.rollback();
            if (hasRows) {
                joining.leave(id); // not added: its changes are not streamed, nothing to leave out
            }
            if (!LOCK_NOT_AVAILABLE.equals(e.getSQLState())) {
                throw e;
            }
            if (busy.add(t.qualified())) {
                LOG.info("New table {} matches leader.tables; waiting for the transactions writing it to end before capture adds it",
                        t.quoted());
            }
            return null;
        } finally {
            c.setAutoCommit(true);
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
