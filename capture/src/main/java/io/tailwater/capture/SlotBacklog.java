package io.tailwater.capture;

import io.tailwater.capture.postgres.PgOutputMessages;
import io.tailwater.capture.postgres.PgOutputMessages.Begin;
import io.tailwater.capture.postgres.PgOutputMessages.Commit;
import io.tailwater.capture.postgres.PgOutputMessages.Message;
import io.tailwater.capture.postgres.PgOutputMessages.Relation;
import io.tailwater.capture.postgres.PgOutputMessages.RelationColumn;
import io.tailwater.capture.postgres.PgOutputMessages.Row;
import io.tailwater.capture.postgres.PgOutputMessages.Truncate;
import io.tailwater.config.LeaderConfig;
import io.tailwater.schemas.TableId;
import io.tailwater.schemas.event.Lsn;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The transactions a stream's replication slot on a PostgreSQL leader still holds: those that
 * committed after the position the slot confirmed. Capture confirms only what the log durably
 * holds, so every transaction of the leader that never reached the log is among them. Read with
 * {@code pg_logical_slot_peek_binary_changes}, which leaves the slot as it is.
 */
public final class SlotBacklog {
    private SlotBacklog() {
    }

    /** What a change did to a row, or to a whole table. */
    public enum Kind {
        INSERT, UPDATE, DELETE, TRUNCATE;

        /** The kind in words: {@code insert}, {@code update}, {@code delete}, {@code truncate}. */
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One change of a held transaction, values in PostgreSQL's text output (null for NULL,
     * {@link PgOutputMessages#UNCHANGED} for a value not sent).
     *
     * @param table the table
     * @param kind what the change did
     * @param identity the table's replica identity columns (its key; every column under {@code REPLICA IDENTITY FULL})
     * @param wholeRowIdentity whether the table is {@code REPLICA IDENTITY FULL}: rows are told apart by all their values
     * @param old the old row by column, as the leader sent it (the identity, or the whole row); empty when not sent
     * @param row the new row by column; empty for deletes and truncates
     */
    public record Change(TableId table, Kind kind, List<String> identity, boolean wholeRowIdentity, Map<String, String> old,
                         Map<String, String> row) {

        /** The identity values of the row the change leaves: the new row's, or the old one's for a delete. */
        public Map<String, String> key() {
            return identityOf(kind == Kind.DELETE ? old : row);
        }

        /** The identity values the row had before an update that changed them; empty otherwise. */
        public Map<String, String> oldKey() {
            if (kind != Kind.UPDATE || old.isEmpty()) {
                return Map.of();
            }
            Map<String, String> before = identityOf(old);
            return before.equals(key()) ? Map.of() : before;
        }

        private Map<String, String> identityOf(Map<String, String> image) {
            Map<String, String> out = new LinkedHashMap<>();
            for (String c : identity) {
                out.put(c, image.get(c));
            }
            return out;
        }
    }

    /**
     * A transaction the slot holds.
     *
     * @param xid the leader's transaction id
     * @param endLsn where its commit record ends (what a slot confirms, and what capture logs as its position)
     * @param commitTime when it committed
     * @param changes its changes to the published tables, in order
     */
    public record Transaction(long xid, long endLsn, Instant commitTime, List<Change> changes) {
    }

    /**
     * The slot's held transactions with changes to tables of {@code publication}, oldest first;
     * empty when the slot does not exist.
     *
     * @throws LeaderNotReadyException when a process is reading the slot, or the leader cannot be read
     */
    public static Optional<List<Transaction>> peek(LeaderConfig leader, String slot, String publication, Duration timeout) {
        try (Connection c = LeaderChecks.connect(leader, timeout)) {
            try (PreparedStatement ps = c.prepareStatement("SELECT active_pid, plugin FROM pg_replication_slots"
                    + " WHERE slot_name = ? AND database = current_database()")) {
                ps.setString(1, slot);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    int pid = rs.getInt(1);
                    if (!rs.wasNull()) {
                        throw new LeaderNotReadyException("process " + pid + " is reading replication slot \"" + slot + "\" on "
                                + LeaderConnections.hostPart(leader.jdbcUrl()) + " (a capture of the old leader?); stop it and try again");
                    }
                    if (!"pgoutput".equals(rs.getString(2))) {
                        throw new LeaderNotReadyException("replication slot \"" + slot + "\" on " + LeaderConnections.hostPart(leader.jdbcUrl())
                                + " uses the output plugin \"" + rs.getString(2) + "\", not pgoutput: it is not one of Tailwater's");
                    }
                }
            }
            c.setAutoCommit(false); // so that the driver fetches the changes in batches
            try (PreparedStatement ps = c.prepareStatement("SELECT lsn::text, data FROM pg_logical_slot_peek_binary_changes(?, NULL, NULL,"
                    + " 'proto_version', '1', 'publication_names', ?)")) {
                ps.setFetchSize(1000);
                ps.setString(1, slot);
                ps.setString(2, publication);
                try (ResultSet rs = ps.executeQuery()) {
                    Reader reader = new Reader();
                    while (rs.next()) {
                        try {
                            reader.add(PgOutputMessages.decode(rs.getBytes(2)));
                        } catch (RuntimeException e) {
                            throw new LeaderNotReadyException("cannot read the change at LSN " + rs.getString(1) + " of replication slot \""
                                    + slot + "\" on " + LeaderConnections.hostPart(leader.jdbcUrl()) + ": " + e + "; nothing was changed but"
                                    + " that its writes are stopped", e);
                        }
                    }
                    c.rollback();
                    return Optional.of(reader.transactions);
                }
            }
        } catch (SQLException e) {
            throw new LeaderNotReadyException("cannot read replication slot \"" + slot + "\" on " + LeaderConnections.hostPart(leader.jdbcUrl())
                    + ": " + e.getMessage(), e);
        }
    }

    /** Assembles transactions from the message stream. */
    private static final class Reader {
        final List<Transaction> transactions = new ArrayList<>();
        final Map<Integer, Relation> relations = new HashMap<>();
        Begin begin;
        List<Change> changes = new ArrayList<>();

        void add(Message m) {
            switch (m) {
                case Begin b -> {
                    begin = b;
                    changes = new ArrayList<>();
                }
                case Relation r -> relations.put(r.oid(), r);
                case Row r -> {
                    Relation rel = relation(r.oid());
                    Kind kind = switch (r.op()) {
                        case 'I' -> Kind.INSERT;
                        case 'U' -> Kind.UPDATE;
                        default -> Kind.DELETE;
                    };
                    changes.add(new Change(id(rel), kind, identity(rel), rel.replicaIdentity() == 'f', byName(rel, r.old()),
                            byName(rel, r.fresh())));
                }
                case Truncate t -> {
                    for (int oid : t.oids()) {
                        Relation rel = relation(oid);
                        changes.add(new Change(id(rel), Kind.TRUNCATE, identity(rel), rel.replicaIdentity() == 'f', Map.of(), Map.of()));
                    }
                }
                case Commit c -> {
                    if (begin == null) {
                        throw new IllegalStateException("pgoutput commit at LSN " + Lsn.format(c.endLsn()) + " without a begin");
                    }
                    if (!changes.isEmpty()) {
                        transactions.add(new Transaction(begin.xid(), c.endLsn(), c.commitTime(), Collections.unmodifiableList(changes)));
                    }
                    begin = null;
                }
                case PgOutputMessages.Other ignored -> { }
                case PgOutputMessages.LogicalMessage ignored -> { }
            }
        }

        private Relation relation(int oid) {
            Relation r = relations.get(oid);
            if (r == null) {
                throw new IllegalStateException("pgoutput row of relation " + oid + " before its description");
            }
            return r;
        }

        private static TableId id(Relation r) {
            return new TableId(r.schema(), r.table());
        }

        private static List<String> identity(Relation r) {
            return r.columns().stream().filter(RelationColumn::identity).map(RelationColumn::name).toList();
        }

        private static Map<String, String> byName(Relation r, String[] values) {
            if (values == null) {
                return Map.of();
            }
            Map<String, String> out = new LinkedHashMap<>();
            for (int i = 0; i < values.length; i++) {
                out.put(r.columns().get(i).name(), values[i]);
            }
            return out;
        }
    }
}
