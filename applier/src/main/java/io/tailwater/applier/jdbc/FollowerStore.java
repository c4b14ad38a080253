package io.tailwater.applier.jdbc;

import io.tailwater.applier.dialect.BulkLoad;
import io.tailwater.applier.dialect.BulkUpsert;
import io.tailwater.applier.dialect.CanonicalValues;
import io.tailwater.applier.dialect.Dialect;
import io.tailwater.config.FollowerConfig;
import io.tailwater.schemas.Column;
import io.tailwater.schemas.TableId;
import io.tailwater.schemas.TableSchema;
import io.tailwater.schemas.ValueText;
import io.tailwater.schemas.event.Heartbeat;
import io.tailwater.schemas.event.LeaderChange;
import io.tailwater.schemas.event.Op;
import io.tailwater.schemas.event.RowChange;
import io.tailwater.schemas.event.TransactionEnd;
import io.tailwater.schemas.event.Truncate;
import org.jooq.DSLContext;
import org.jooq.Name;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * A follower database, seen through JDBC: it applies groups of leader transactions in one
 * follower transaction together with the follower's position, creates missing tables and
 * columns, and reads the stored position back. One connection, used by one thread.
 */
public final class FollowerStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FollowerStore.class);
    public static final String POSITION_TABLE = "tailwater_position";
    /** Where the follower records log offsets the operator chose to pass over ({@code --skip-offset}). */
    public static final String SKIPPED_TABLE = "tailwater_skipped";

    private final FollowerConfig config;
    private final Dialect dialect;
    private final String stream;
    private final DSLContext dsl;
    private final Connection conn;
    // Keyed by identity: the decoder hands out one TableSchema per writer schema, so this stays cheap per row.
    private final Map<TableSchema, TableStatements> statements = new java.util.IdentityHashMap<>();
    private final Map<String, PreparedStatement> prepared = new HashMap<>();
    private final Set<TableSchema> ensured = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    /** The {@code column-types} key of each column of each table version seen, for messages (by identity). */
    private final Map<Column, String> columnKeys = new java.util.IdentityHashMap<>();
    /** The columns {@code column-types} gives a text type on this follower: their values go in the documented text form. */
    private final Map<Column, String> textColumns = new java.util.IdentityHashMap<>();
    private final String positionUpsert;
    private final String positionSelect;
    /** The dialect's fast path for many rows, if it has one. */
    private final Optional<BulkUpsert> bulk;

    private FollowerStore(FollowerConfig config, Dialect dialect, String stream, Connection conn) throws SQLException {
        this.config = config;
        this.dialect = dialect;
        this.stream = stream;
        this.conn = conn;
        this.dsl = dialect.dsl();
        this.bulk = dialect.bulkUpsert();
        var t = DSL.table(DSL.name(POSITION_TABLE));
        var fStream = DSL.field(DSL.name("stream"));
        List<Name> columns = java.util.stream.Stream.of("stream", "log_offset", "source_lsn", "tx_id", "commit_micros", "leader_epoch", "log_bytes",
                        "applied_at_ms", "source_gtid")
                .map(DSL::name).toList();
        var fields = columns.stream().map(DSL::field).toList();
        this.positionUpsert = TableStatements.upsert(dsl, dialect, DSL.name(POSITION_TABLE), columns, List.of(DSL.name("stream")));
        this.positionSelect = dsl.render(dsl.select(fields.subList(1, 7)).select(fields.get(8)).from(t).where(fStream.eq(DSL.param())));
        dialect.configure(conn);
        conn.setAutoCommit(false);
        ensurePositionTable();
    }

    /** Connects, retrying with backoff until {@code timeout}; a refused login fails at once. */
    public static FollowerStore open(FollowerConfig config, Dialect dialect, String stream, Duration timeout) throws SQLException {
        Properties p = dialect.connectionProperties();
        if (config.user() != null) {
            p.setProperty("user", config.user());
        }
        if (config.password().isPresent()) {
            p.setProperty("password", config.password().value());
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        long backoff = 200;
        while (true) {
            try {
                return new FollowerStore(config, dialect, stream, DriverManager.getConnection(config.jdbcUrl(), p));
            } catch (SQLException e) {
                if (!dialect.isTransient(e) || System.nanoTime() + backoff * 1_000_000 > deadline) {
                    throw e;
                }
                LOG.debug("Follower '{}' not reachable yet, retrying in {} ms: {}", config.name(), backoff, e.getMessage());
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new SQLException("interrupted while connecting", ie);
                }
                backoff = Math.min(backoff * 2, 5000);
            }
        }
    }

    public Dialect dialect() {
        return dialect;
    }

    /**
     * Records, in its own follower transaction, that the log record at {@code offset} was passed
     * over at the operator's request, and why it could not be applied.
     */
    public void recordSkip(long offset, String reason) throws SQLException {
        try (Statement s = conn.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + q(DSL.name(SKIPPED_TABLE)) + " (" + q(DSL.name("stream")) + " VARCHAR(255) NOT NULL, "
                    + q(DSL.name("log_offset")) + " BIGINT NOT NULL, " + q(DSL.name("reason")) + " VARCHAR(1000), "
                    + q(DSL.name("skipped_at_ms")) + " BIGINT, PRIMARY KEY (" + q(DSL.name("stream")) + ", " + q(DSL.name("log_offset")) + "))"
                    + dialect.tableOptions());
        }
        conn.commit();
        String upsert = TableStatements.upsert(dsl, dialect, DSL.name(SKIPPED_TABLE),
                java.util.stream.Stream.of("stream", "log_offset", "reason", "skipped_at_ms").map(DSL::name).toList(),
                List.of(DSL.name("stream"), DSL.name("log_offset")));
        try (PreparedStatement ps = conn.prepareStatement(upsert)) {
            ps.setString(1, stream);
            ps.setLong(2, offset);
            ps.setString(3, reason.length() > 1000 ? reason.substring(0, 1000) : reason);
            ps.setLong(4, System.currentTimeMillis());
            ps.executeUpdate();
            conn.commit();
        } catch (SQLException e) {
            rollbackQuietly();
            throw e;
        }
    }

    /** The stored position of this stream on this follower, if it has applied anything. */
    public Optional<AppliedPosition> position() throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(positionSelect)) {
            ps.setString(1, stream);
            try (ResultSet rs = ps.executeQuery()) {
                Optional<AppliedPosition> p = rs.next()
                        ? Optional.of(new AppliedPosition(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getLong(4),
                        rs.getInt(5), rs.getLong(6), rs.getString(7)))
                        : Optional.empty();
                conn.commit();
                return p;
            }
        }
    }

    /**
     * Applies the events (rows and truncates of complete leader transactions, in log order) and
     * stores {@code position}, all in one follower transaction.
     *
     * @return how many rows the leader updated or deleted that the follower did not have (reported,
     *         or refused with {@code on-divergence: stop})
     * @throws SQLException when the follower fails; nothing of the group is then applied
     */
    public int apply(List<PositionedEvent> events, AppliedPosition position) throws SQLException {
        return apply(events, position, true);
    }

    /**
     * Sets rows to the log's state and stores {@code position}, in one follower transaction: as
     * {@link #apply}, but a delete or update of a row the follower lacks is no divergence. For
     * bringing a former leader back to the log ({@code rejoin}), where the rows differ by design.
     */
    public void reset(List<PositionedEvent> events, AppliedPosition position) throws SQLException {
        apply(events, position, false);
    }

    /**
     * Writes rows loaded from the snapshot (whole images, at most one per key of a keyed table)
     * into emptied tables, in one follower transaction, without a position: the load stores it
     * once it is complete. A table goes by the dialect's bulk load ({@code COPY} on PostgreSQL)
     * when every value of its rows has a plain text form, else by the ordinary path.
     */
    public void load(List<PositionedEvent> rows) throws SQLException {
        Optional<BulkLoad> copy = dialect.bulkLoad();
        if (copy.isEmpty()) {
            apply(rows, null, false);
            return;
        }
        ensureTables(rows);
        Map<TableSchema, List<Object[]>> copied = new java.util.IdentityHashMap<>();
        Map<TableSchema, List<PositionedEvent>> byTable = new java.util.IdentityHashMap<>();
        Set<TableSchema> notCopyable = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (PositionedEvent pe : rows) {
            RowChange r = (RowChange) pe.event();
            byTable.computeIfAbsent(r.table(), t -> new java.util.ArrayList<>()).add(pe);
            if (notCopyable.contains(r.table())) {
                continue;
            }
            Object[] bound = new Object[r.after().length];
            for (int i = 0; bound != null && i < bound.length; i++) {
                Column c = r.table().columns().get(i);
                Object v = r.after()[i];
                bound[i] = v == null ? null : sent(c, v);
                if (!copy.get().copyable(bound[i])) {
                    notCopyable.add(r.table()); // a value without a plain text form: the table's rows take the ordinary path
                    copied.remove(r.table());
                    bound = null;
                }
            }
            if (bound != null) {
                copied.computeIfAbsent(r.table(), t -> new java.util.ArrayList<>()).add(bound);
            }
        }
        try {
            for (TableSchema t : notCopyable) {
                writeEvents(byTable.get(t), false);
            }
            for (Map.Entry<TableSchema, List<Object[]>> e : copied.entrySet()) {
                TableStatements s = statements(e.getKey());
                copy.get().load(conn, s.quotedTable, s.quotedColumns, e.getValue());
            }
            conn.commit();
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly();
            throw e;
        }
    }

    /**
     * Empties {@code tables} (those the follower has) and forgets the stream's position, in one
     * follower transaction: a load from the snapshot starts on a clean follower.
     */
    public void clear(Collection<TableId> tables) throws SQLException {
        try {
            for (TableId t : tables) {
                truncate(t);
            }
            try (PreparedStatement ps = conn.prepareStatement("DELETE FROM " + q(DSL.name(POSITION_TABLE)) + " WHERE "
                    + q(DSL.name("stream")) + " = ?")) {
                ps.setString(1, stream);
                ps.executeUpdate();
            }
            conn.commit();
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly();
            throw e;
        }
    }

    private int apply(List<PositionedEvent> events, AppliedPosition position, boolean checkExisting) throws SQLException {
        ensureTables(events);
        try {
            int diverged = writeEvents(events, checkExisting);
            if (position != null) {
                storePosition(position);
            }
            conn.commit();
            return diverged;
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly();
            throw e;
        }
    }

    /** Writes the events in the open follower transaction; returns how many rows the follower lacked. */
    private int writeEvents(List<PositionedEvent> events, boolean checkExisting) throws SQLException {
        NetChanges net = new NetChanges();
        List<PositionedEvent> keyless = new java.util.ArrayList<>();
        int diverged = 0;
        for (PositionedEvent pe : events) {
            switch (pe.event()) {
                case RowChange r when r.table().hasKey() -> net.add(r, pe.offset());
                case RowChange r -> keyless.add(pe);
                case Truncate t -> {
                    diverged += write(net, checkExisting);
                    writeKeyless(keyless);
                    truncate(t.table());
                }
                case TransactionEnd ignored -> { }
                case Heartbeat ignored -> { }
                case LeaderChange ignored -> { }
            }
        }
        diverged += write(net, checkExisting);
        writeKeyless(keyless);
        return diverged;
    }

    /**
     * Writes the net changes: deletes by many keys at once (one-column keys) or as batches by key,
     * upserts through the dialect's bulk path or as multi-row statements. Returns
     * how many rows the follower lacked (see {@link #checkExisting}).
     */
    private int write(NetChanges net, boolean check) throws SQLException {
        if (net.isEmpty()) {
            return 0;
        }
        int diverged = check ? checkExisting(net) : 0;
        for (Map.Entry<TableSchema, List<RowChange>> e : net.deletes().entrySet()) {
            TableStatements s = statements(e.getKey());
            int n = TableStatements.KEYS_PER_STATEMENT;
            writeInChunks(e.getValue(), n, s.singleColumnKey() ? s.deleteKeys(n) : null, 1, s.delete);
        }
        for (Map.Entry<TableSchema, List<RowChange>> e : net.upserts().entrySet()) {
            TableStatements s = statements(e.getKey());
            List<RowChange> rows = e.getValue();
            if (bulk.isPresent() && hasOwnTypes(s.table)) {
                bulk.get().upsert(conn, s.table, s.quotedTable, s.quotedColumns, rows.stream().map(RowChange::after).toList(), this::bound);
            } else {
                writeInChunks(rows, s.rowsPerStatement, s.upsertRows, s.table.columns().size(), s.upsert);
            }
        }
        for (Map.Entry<TableSchema, List<RowChange>> e : net.partialUpdates().entrySet()) {
            TableStatements s = statements(e.getKey());
            for (RowChange r : e.getValue()) {
                // the row is missing when the follower diverged: checkExisting reported it; its unsent values are unknown here
                try (PreparedStatement ps = conn.prepareStatement(s.partialUpdate(r.after()))) {
                    int p = 1;
                    for (int i = 0; i < r.after().length; i++) {
                        if (r.after()[i] != io.tailwater.schemas.Unchanged.VALUE) {
                            setValue(ps, p++, s.table.columns().get(i), r.after()[i]);
                        }
                    }
                    for (int k : s.keyIndexes) {
                        setValue(ps, p++, s.table.columns().get(k), r.after()[k]);
                    }
                    ps.executeUpdate();
                }
            }
        }
        net.clear();
        return diverged;
    }

    /**
     * Finds the rows the leader updated or deleted that the follower does not have: someone
     * changed the follower directly. Reports each with table, key and offset, or, with
     * {@code on-divergence: stop}, refuses the group. One count per table and 200 keys; the rows
     * are looked at one by one only when the count falls short. Returns how many the follower lacked.
     */
    private int checkExisting(NetChanges net) throws SQLException {
        int diverged = 0;
        for (Map.Entry<TableSchema, List<NetChanges.Existing>> e : net.mustExist().entrySet()) {
            TableSchema table = e.getKey();
            TableStatements s = statements(table);
            List<NetChanges.Existing> rows = e.getValue();
            for (int from = 0; from < rows.size(); from += TableStatements.KEYS_PER_STATEMENT) {
                List<NetChanges.Existing> chunk = rows.subList(from, Math.min(rows.size(), from + TableStatements.KEYS_PER_STATEMENT));
                if (countExisting(s, chunk) == chunk.size()) {
                    continue;
                }
                for (NetChanges.Existing row : chunk) {
                    if (countExisting(s, List.of(row)) == 0) {
                        diverged(row);
                        diverged++;
                    }
                }
            }
        }
        return diverged;
    }

    private int countExisting(TableStatements s, List<NetChanges.Existing> rows) throws SQLException {
        // Full chunks and single keys repeat: their statements stay prepared. Other sizes come once per group at most.
        boolean repeats = rows.size() == 1 || rows.size() == TableStatements.KEYS_PER_STATEMENT;
        String sql = s.countKeys(rows.size());
        PreparedStatement ps = repeats ? prepared(sql) : conn.prepareStatement(sql);
        try {
            int p = 1;
            for (NetChanges.Existing row : rows) {
                Object[] image = row.change().keyImage();
                for (int i : s.keyIndexes) {
                    setValue(ps, p++, s.table.columns().get(i), image[i]);
                }
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } finally {
            if (!repeats) {
                ps.close();
            }
        }
    }

    private void diverged(NetChanges.Existing row) throws SQLException {
        RowChange r = row.change();
        String what = "follower '" + config.name() + "' has diverged from the leader: the leader's " + r.op().describe()
                + " at log offset " + row.offset() + " is of a row of table " + r.table().id() + " with key "
                + r.table().describeKey(r.keyImage()) + " that the follower does not have (changed on the follower directly?)";
        if (config.stopOnDivergence()) {
            throw new DivergedException(row.offset(), what + ". Stopped (on-divergence: stop); compare the table with the leader,"
                    + " repair the follower, and restart");
        }
        LOG.warn("{}; {} (on-divergence: report)", what, io.tailwater.schemas.Unchanged.in(r.after())
                ? "the leader did not send the update's unchanged values, so the row stays missing" : "applied as the leader has it");
    }

    /**
     * Writes the changes of tables without a key in log order: equal rows are distinct there, so
     * nothing is merged. Inserts of one table in a row go as one batch.
     */
    private void writeKeyless(List<PositionedEvent> changes) throws SQLException {
        PreparedStatement batch = null;
        for (PositionedEvent pe : changes) {
            RowChange r = (RowChange) pe.event();
            if (r.op() == Op.DELETE || r.op() == Op.UPDATE) {
                if (batch != null) {
                    batch.executeBatch();
                    batch = null;
                }
                applyKeyless(r, pe.offset());
            } else {
                PreparedStatement ps = prepared(statements(r.table()).insert);
                if (batch != null && batch != ps) {
                    batch.executeBatch();
                }
                bind(ps, r, 0);
                ps.addBatch();
                batch = ps;
            }
        }
        if (batch != null) {
            batch.executeBatch();
        }
        changes.clear();
    }

    /** One change to a table without a key, on its own. */
    private void applyKeyless(RowChange r, long offset) throws SQLException {
        TableStatements s = statements(r.table());
        int changed;
        switch (r.op()) {
            case DELETE -> {
                PreparedStatement ps = prepared(s.deleteOne);
                bindRow(ps, r.table(), r.before(), 0);
                changed = ps.executeUpdate();
            }
            case UPDATE -> {
                PreparedStatement ps = prepared(s.updateOne);
                bindRow(ps, r.table(), r.after(), 0);
                bindRow(ps, r.table(), r.before(), r.table().columns().size());
                changed = ps.executeUpdate();
            }
            default -> {
                PreparedStatement ps = prepared(s.insert);
                bindRow(ps, r.table(), r.after(), 0);
                changed = ps.executeUpdate();
            }
        }
        if (changed == 0) {
            LOG.warn("Follower '{}': the {} at log offset {} found no equal row in table {} (a table without a key); the follower"
                    + " differs from the leader there", config.name(), r.op().describe(), offset,
                    q(dialect.tableName(r.table().id())));
        }
    }

    /**
     * After a failed {@link #apply}, applies the same events one by one (and rolls back) to find
     * the one the follower refuses; returns a failure naming its offset, table and key. Throws
     * instead when the follower turns out to be unavailable: an error of a transient kind, or a
     * connection that no longer works (a killed session can fail a statement with an error of any
     * kind). That is no refusal, and the caller retries.
     */
    public ApplyFailure diagnose(List<PositionedEvent> events, Exception original) throws SQLException {
        if (original instanceof DivergedException d) {
            rollbackQuietly();
            return new ApplyFailure(d.offset(), d.getMessage(), d);
        }
        if (original instanceof RefusedTableException r) {
            return new ApplyFailure(r.offset(), "follower '" + config.name() + "' cannot hold table " + r.table() + " (first row at log offset "
                    + r.offset() + "): " + message(r.getCause() instanceof Exception c ? c : r), r);
        }
        try {
            for (PositionedEvent pe : events) {
                try {
                    if (pe.event() instanceof RowChange r && !r.table().hasKey()) {
                        applyKeyless(r, pe.offset());
                    } else if (pe.event() instanceof RowChange r) {
                        try (PreparedStatement ps = conn.prepareStatement(r.op() == Op.DELETE ? statements(r.table()).delete : statements(r.table()).upsert)) {
                            bind(ps, r, 0);
                            ps.executeUpdate();
                        }
                    } else if (pe.event() instanceof Truncate t) {
                        truncate(t.table());
                    }
                } catch (SQLException | RuntimeException e) {
                    throwIfUnavailable(e);
                    String what = pe.event() instanceof RowChange r
                            ? "table " + r.table().id() + " key " + r.table().describeKey(r.keyImage()) + " (" + r.op().describe() + ")"
                            : "truncate of " + ((Truncate) pe.event()).table();
                    return new ApplyFailure(pe.offset(), "follower '" + config.name() + "' refused the change at log offset "
                            + pe.offset() + ": " + what + ": " + message(e), e);
                }
            }
            long first = events.isEmpty() ? -1 : events.get(0).offset();
            return new ApplyFailure(first, "follower '" + config.name() + "' failed to apply the group starting at log offset "
                    + first + ": " + message(original), original);
        } finally {
            rollbackQuietly();
        }
    }

    private void throwIfUnavailable(Exception e) throws SQLException {
        if (e instanceof SQLException x && dialect.isTransient(x)) {
            throw x;
        }
        boolean valid;
        try {
            valid = conn.isValid(5);
        } catch (SQLException notValid) {
            valid = false;
        }
        if (!valid) {
            throw new SQLRecoverableException("the connection to follower '" + config.name() + "' was lost: " + message(e), "08006", e);
        }
    }

    private static String message(Exception e) {
        if (e instanceof java.sql.BatchUpdateException b && b.getNextException() != null) {
            return b.getNextException().getMessage();
        }
        return e.getMessage();
    }

    private void ensurePositionTable() throws SQLException {
        String ddl = "CREATE TABLE IF NOT EXISTS " + q(DSL.name(POSITION_TABLE)) + " (" + q(DSL.name("stream")) + " VARCHAR(255) NOT NULL PRIMARY KEY, "
                + q(DSL.name("log_offset")) + " BIGINT NOT NULL, " + q(DSL.name("source_lsn")) + " BIGINT, "
                + q(DSL.name("tx_id")) + " VARCHAR(64), " + q(DSL.name("commit_micros")) + " BIGINT, "
                + q(DSL.name("leader_epoch")) + " INTEGER, " + q(DSL.name("log_bytes")) + " BIGINT, "
                + q(DSL.name("applied_at_ms")) + " BIGINT, " + q(DSL.name("source_gtid")) + " VARCHAR(1000))" + dialect.tableOptions();
        try (Statement s = conn.createStatement()) {
            s.execute(ddl);
        }
        conn.commit();
        // A follower whose table predates MariaDB leaders gets the GTID column (every dialect takes ADD COLUMN).
        boolean hasGtid;
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM " + q(DSL.name(POSITION_TABLE)) + " WHERE 1 = 0")) {
            hasGtid = false;
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                hasGtid |= rs.getMetaData().getColumnName(i).equalsIgnoreCase("source_gtid");
            }
        }
        conn.commit();
        if (!hasGtid) {
            try (Statement s = conn.createStatement()) {
                s.execute("ALTER TABLE " + q(DSL.name(POSITION_TABLE)) + " ADD COLUMN " + q(DSL.name("source_gtid")) + " VARCHAR(1000)");
            }
            conn.commit();
            LOG.info("Follower '{}': added column \"source_gtid\" to {}", config.name(), POSITION_TABLE);
        }
    }

    private void storePosition(AppliedPosition p) throws SQLException {
        PreparedStatement ps = prepared(positionUpsert);
        ps.setString(1, stream);
        ps.setLong(2, p.logOffset());
        ps.setLong(3, p.lsn());
        ps.setString(4, p.txId());
        ps.setLong(5, p.commitMicros());
        ps.setInt(6, p.leaderEpoch());
        ps.setLong(7, p.logBytes());
        ps.setLong(8, System.currentTimeMillis());
        ps.setString(9, p.gtid());
        ps.executeUpdate();
    }

    /** Binds the change's key (deletes) or whole row (upserts) to the parameters after {@code offset}. */
    private void bind(PreparedStatement ps, RowChange r, int offset) throws SQLException {
        List<Column> columns = r.table().columns();
        if (r.op() == Op.DELETE) {
            int[] keys = statements(r.table()).keyIndexes;
            Object[] before = r.before();
            for (int i = 0; i < keys.length; i++) {
                setValue(ps, offset + i + 1, columns.get(keys[i]), before[keys[i]]);
            }
        } else {
            bindRow(ps, r.table(), r.after(), offset);
        }
    }

    private void bindRow(PreparedStatement ps, TableSchema table, Object[] row, int offset) throws SQLException {
        List<Column> columns = table.columns();
        for (int i = 0; i < row.length; i++) {
            setValue(ps, offset + i + 1, columns.get(i), row[i]);
        }
    }

    private void setValue(PreparedStatement ps, int index, Column c, Object v) throws SQLException {
        if (v == null) {
            ps.setNull(index, Types.NULL);
        } else {
            ps.setObject(index, sent(c, v));
        }
    }

    /** What the follower is sent for a non-null value: its lossless text in a text column ({@code column-types}), else the bound value. */
    private Object sent(Column c, Object v) throws SQLException {
        return textColumns.containsKey(c) ? CanonicalValues.text(c, v) : bound(c, v);
    }

    /** The value as the dialect binds it; a value the follower's type cannot hold is refused with the column-types entry to add. */
    private Object bound(Column c, Object v) throws SQLException {
        try {
            return dialect.bind(c, v);
        } catch (SQLDataException e) {
            String key = columnKeys.get(c);
            throw new SQLDataException(e.getMessage() + ". To replicate such values to this follower, give the column a text type"
                    + " here: followers." + config.name() + ".column-types: {\"" + (key == null ? c.name() : key) + "\": "
                    + dialect.textType() + "}, drop the follower's copy of the table (or alter the column), and restart the applier",
                    e.getSQLState(), e);
        }
    }

    /**
     * Writes deletes (their keys) or upserts (whole rows) of one table as batches: {@code n} rows
     * per statement with {@code multi}, which takes {@code width} parameters per row, and the rest
     * one per statement with {@code single}. Without {@code multi}, all go one per statement.
     */
    private void writeInChunks(List<RowChange> rows, int n, String multi, int width, String single) throws SQLException {
        int done = 0;
        if (multi != null) {
            PreparedStatement ps = null;
            for (; done + n <= rows.size(); done += n) {
                ps = ps == null ? prepared(multi) : ps;
                for (int i = 0; i < n; i++) {
                    bind(ps, rows.get(done + i), i * width);
                }
                ps.addBatch();
            }
            if (ps != null) {
                ps.executeBatch();
            }
        }
        if (done < rows.size()) {
            PreparedStatement ps = prepared(single);
            for (; done < rows.size(); done++) {
                bind(ps, rows.get(done), 0);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Whether every column of the table has the dialect's own type here: no {@code column-types} entry names it. */
    private boolean hasOwnTypes(TableSchema table) {
        return table.columns().stream().allMatch(c -> config.columnType(table.id(), c.name()).isEmpty());
    }

    /** The follower's type for a leader column: the one {@code column-types} gives it, else the dialect's. */
    private String columnType(TableSchema table, Column c) {
        return config.columnType(table.id(), c.name()).orElseGet(() -> dialect.columnType(c));
    }

    /** Checks the table's {@code column-types} entries and notes which of its columns this follower holds as text. */
    private void noteColumnTypes(TableSchema table) throws SQLException {
        String prefix = table.id().schema() + "." + table.id().table() + ".";
        for (Map.Entry<String, String> e : config.columnTypes().entrySet()) {
            if (e.getKey().startsWith(prefix) && table.columns().stream().noneMatch(c -> c.name().equals(e.getKey().substring(prefix.length())))) {
                throw new SQLDataException("followers." + config.name() + ".column-types names column \"" + e.getKey().substring(prefix.length())
                        + "\" of table " + table.id() + ", which the leader's table does not have (its columns: "
                        + table.columns().stream().map(Column::name).toList() + "); correct the entry and restart the applier", "22023");
            }
        }
        for (Column c : table.columns()) {
            columnKeys.put(c, prefix + c.name());
            config.columnType(table.id(), c.name()).filter(Dialect::isTextType).ifPresent(t -> textColumns.put(c, t));
        }
    }

    private void truncate(TableId table) throws SQLException {
        if (existingColumns(dialect.tableName(table)).isEmpty()) {
            return; // the follower never had the table: nothing to remove
        }
        try (Statement s = conn.createStatement()) {
            s.executeUpdate("DELETE FROM " + q(dialect.tableName(table)));
        }
    }

    private TableStatements statements(TableSchema table) {
        return statements.computeIfAbsent(table, t -> new TableStatements(t, dialect, dsl));
    }

    private PreparedStatement prepared(String sql) throws SQLException {
        PreparedStatement ps = prepared.get(sql);
        if (ps == null) {
            ps = conn.prepareStatement(sql);
            prepared.put(sql, ps);
        }
        return ps;
    }

    /** Creates tables the follower lacks, and adds columns it lacks, outside the data transaction. */
    private void ensureTables(List<PositionedEvent> events) throws SQLException {
        Map<TableId, Set<String>> inUse = null;
        for (PositionedEvent pe : events) {
            if (pe.event() instanceof RowChange r && !ensured.contains(r.table())) {
                if (inUse == null) {
                    inUse = columnsInUse(events);
                }
                try {
                    if (ensureTable(r.table(), inUse.get(r.table().id()))) {
                        ensured.add(r.table());
                    }
                } catch (SQLException e) {
                    throw new RefusedTableException(pe.offset(), r.table().id(), e);
                }
            }
        }
    }

    /** The columns, by lower-case name, that some row of each table in {@code events} carries. */
    private static Map<TableId, Set<String>> columnsInUse(List<PositionedEvent> events) {
        Map<TableId, Set<String>> out = new HashMap<>();
        Set<TableSchema> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (PositionedEvent pe : events) {
            if (pe.event() instanceof RowChange r && seen.add(r.table())) {
                Set<String> names = out.computeIfAbsent(r.table().id(), t -> new HashSet<>());
                r.table().columns().forEach(c -> names.add(c.name().toLowerCase(Locale.ROOT)));
            }
        }
        return out;
    }

    /**
     * Creates the table, or adds the columns it lacks and deals with the ones the leader dropped.
     * Returns false when a drop had to wait because rows of an older version in this group still
     * carry the column: it happens with a later group.
     *
     * @param inUse the columns some row of this group carries
     */
    private boolean ensureTable(TableSchema table, Set<String> inUse) throws SQLException {
        boolean complete = true;
        Name name = dialect.tableName(table.id());
        dialect.checkIdentifier(table.id().table(), "table " + table.id());
        for (Column c : table.columns()) {
            dialect.checkIdentifier(c.name(), "column \"" + c.name().replace("\"", "\"\"") + "\" of table " + table.id());
        }
        noteColumnTypes(table);
        Map<String, ExistingColumn> existing = existingColumns(name);
        try (Statement s = conn.createStatement()) {
            if (existing.isEmpty()) {
                if (name.qualified()) {
                    s.execute("CREATE SCHEMA IF NOT EXISTS " + q(DSL.name(name.first())));
                }
                StringBuilder ddl = new StringBuilder("CREATE TABLE IF NOT EXISTS ").append(q(name)).append(" (");
                for (Column c : table.columns()) {
                    ddl.append(q(DSL.name(c.name()))).append(' ').append(columnType(table, c));
                    if (!c.optional() && (c.key() || dialect.canDropNotNull())) {
                        ddl.append(" NOT NULL");
                    }
                    ddl.append(", ");
                }
                int[] keys = table.keyIndexes();
                if (keys.length == 0) {
                    ddl.setLength(ddl.length() - 2); // a table without a key on the leader (REPLICA IDENTITY FULL)
                } else {
                    ddl.append("PRIMARY KEY (");
                    for (int i = 0; i < keys.length; i++) {
                        ddl.append(i > 0 ? ", " : "").append(q(DSL.name(table.columns().get(keys[i]).name())));
                    }
                    ddl.append(")");
                }
                ddl.append(")").append(dialect.tableOptions());
                s.execute(ddl.toString());
                LOG.info("Follower '{}': created table {}", config.name(), q(name));
            } else {
                Set<String> current = new HashSet<>();
                for (Column c : table.columns()) {
                    current.add(c.name().toLowerCase(Locale.ROOT));
                    if (!existing.containsKey(c.name().toLowerCase(Locale.ROOT))) {
                        // Added on the leader: existing rows get the leader's default, as they have there.
                        String dflt = c.defaultText() == null ? ""
                                : " DEFAULT " + dsl.render(DSL.inline(textColumns.containsKey(c)
                                ? CanonicalValues.text(c, ValueText.parse(c, c.defaultText()))
                                : dialect.bind(c, ValueText.parse(c, c.defaultText()))));
                        s.execute("ALTER TABLE " + q(name) + " ADD COLUMN " + q(DSL.name(c.name())) + " " + columnType(table, c) + dflt);
                        LOG.info("Follower '{}': added column {} to table {}", config.name(), q(DSL.name(c.name())), q(name));
                    }
                }
                for (Map.Entry<String, ExistingColumn> e : existing.entrySet()) {
                    if (!current.contains(e.getKey()) && config.dropColumns() && inUse.contains(e.getKey())) {
                        complete = false;
                    } else if (!current.contains(e.getKey()) && config.dropColumns()) {
                        s.execute("ALTER TABLE " + q(name) + " DROP COLUMN " + q(DSL.name(e.getValue().name())));
                        LOG.info("Follower '{}': column {} of table {} is gone from the leader; dropped (dropped-columns: drop)",
                                config.name(), q(DSL.name(e.getValue().name())), q(name));
                    } else if (!current.contains(e.getKey()) && !e.getValue().nullable()) {
                        // Dropped on the leader: the follower keeps the column, without values from now on.
                        s.execute(dialect.dropNotNull(q(name), q(DSL.name(e.getValue().name()))));
                        LOG.info("Follower '{}': column {} of table {} is gone from the leader; kept, now nullable",
                                config.name(), q(DSL.name(e.getValue().name())), q(name));
                    }
                }
            }
        }
        conn.commit();
        return complete;
    }

    /** A column as the follower has it. */
    private record ExistingColumn(String name, boolean nullable) {
    }

    /** The follower's columns of a table by lower-case name; empty when the table does not exist. */
    private Map<String, ExistingColumn> existingColumns(Name name) throws SQLException {
        DatabaseMetaData md = conn.getMetaData();
        String esc = md.getSearchStringEscape();
        String schema = name.qualified() ? escape(name.first(), esc) : null;
        Map<String, ExistingColumn> cols = new HashMap<>();
        try (ResultSet rs = md.getColumns(conn.getCatalog(), schema, escape(name.last(), esc), null)) {
            while (rs.next()) {
                if (rs.getString("TABLE_NAME").equals(name.last())) {
                    String column = rs.getString("COLUMN_NAME");
                    cols.put(column.toLowerCase(Locale.ROOT),
                            new ExistingColumn(column, rs.getInt("NULLABLE") != DatabaseMetaData.columnNoNulls));
                }
            }
        }
        return cols;
    }

    private static String escape(String s, String esc) {
        if (esc == null || esc.isEmpty()) {
            return s;
        }
        return s.replace(esc, esc + esc).replace("_", esc + "_").replace("%", esc + "%");
    }

    private String q(Name name) {
        return dsl.render(name);
    }

    private void rollbackQuietly() {
        try {
            conn.rollback();
        } catch (SQLException e) {
            LOG.debug("Rollback failed: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        for (PreparedStatement ps : prepared.values()) {
            try {
                ps.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
        try {
            conn.close();
        } catch (SQLException ignored) {
            // closing anyway
        }
    }
}
