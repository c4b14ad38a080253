package io.tailwater.applier.verify;

import io.tailwater.applier.dialect.Dialect;
import io.tailwater.schemas.Column;
import io.tailwater.schemas.ColumnType;
import io.tailwater.schemas.TableId;
import io.tailwater.schemas.TableSchema;
import io.tailwater.schemas.mariadb.MariaDbKinds;
import io.tailwater.schemas.pg.PgKinds;
import org.jooq.DSLContext;
import org.jooq.Name;
import org.jooq.impl.DSL;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Computes {@link TableDigest}s of a leader table and its follower copies, for the demo's final
 * check, the tests, and later {@code tailwater verify}.
 */
public final class TableDigests {
    private TableDigests() {
    }

    /** Describes a PostgreSQL leader table from its catalog, in the terms the log uses. */
    public static TableSchema describePostgres(Connection c, TableId id) throws SQLException {
        String sql = """
                SELECT a.attname, CASE WHEN t.typtype = 'd' THEN bt.typname ELSE t.typname END,
                       information_schema._pg_char_max_length(a.atttypid, a.atttypmod),
                       information_schema._pg_numeric_precision(a.atttypid, a.atttypmod),
                       information_schema._pg_numeric_scale(a.atttypid, a.atttypmod), NOT a.attnotnull,
                       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = cl.oid AND i.indisprimary AND a.attnum = ANY(i.indkey)),
                       t.typtype = 'e' OR bt.typtype = 'e'
                FROM pg_attribute a JOIN pg_class cl ON cl.oid = a.attrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
                JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
                WHERE n.nspname = ? AND cl.relname = ? AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum""";
        List<Column> columns = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, id.schema());
            ps.setString(2, id.table());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String type = rs.getString(2);
                    int precision = rs.getObject(4) == null ? -1 : rs.getInt(4);
                    int scale = rs.getObject(5) == null ? -1 : rs.getInt(5);
                    columns.add(new Column(rs.getString(1), PgKinds.of(type, precision, rs.getBoolean(8)), type.toUpperCase(Locale.ROOT),
                            rs.getObject(3) == null ? precision : rs.getInt(3), scale, rs.getBoolean(6), rs.getBoolean(7)));
                }
            }
        }
        if (columns.isEmpty()) {
            throw new SQLException("table " + id + " does not exist on the leader");
        }
        return new TableSchema(id, columns);
    }

    /**
     * Describes a MariaDB leader table ({@code id}'s schema is its database) from
     * {@code information_schema}, in the terms the log uses (see {@link MariaDbKinds}); a column
     * of a type capture refuses has no kind, and is refused here too.
     */
    public static TableSchema describeMariaDb(Connection c, TableId id) throws SQLException {
        String sql = """
                SELECT COLUMN_NAME, COLUMN_TYPE, DATA_TYPE, COALESCE(CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, DATETIME_PRECISION),
                       NUMERIC_SCALE, IS_NULLABLE = 'YES', COLUMN_KEY = 'PRI'
                FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION""";
        List<Column> columns = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, id.schema());
            ps.setString(2, id.table());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String columnType = rs.getString(2).toUpperCase(Locale.ROOT);
                    String dataType = rs.getString(3).toUpperCase(Locale.ROOT);
                    long declared = rs.getObject(4) == null ? -1 : rs.getLong(4);
                    int length = declared > Integer.MAX_VALUE ? -1 : (int) declared; // LONGTEXT and LONGBLOB: 4294967295
                    MariaDbKinds.Kind kind = MariaDbKinds.of(columnType.contains("UNSIGNED") ? dataType + " UNSIGNED" : dataType,
                            dataType.equals("BIT") ? length : -1);
                    if (kind == null) {
                        throw new SQLException("column \"" + rs.getString(1) + "\" of " + id + " is of type " + columnType
                                + ", which Tailwater does not replicate");
                    }
                    columns.add(new Column(rs.getString(1), kind.type(), kind.valueType(), kind.unsignedBigint() ? 20 : length,
                            kind.unsignedBigint() ? 0 : rs.getObject(5) == null ? -1 : rs.getInt(5), rs.getBoolean(6), rs.getBoolean(7)));
                }
            }
        }
        if (columns.isEmpty()) {
            throw new SQLException("table " + id + " does not exist on the leader");
        }
        return new TableSchema(id, columns);
    }

    /** The digest of {@code table} (named {@code name} in this database), read with {@code dialect}. */
    public static TableDigest digest(Connection c, Dialect dialect, Name name, TableSchema table) throws SQLException {
        List<Column> columns = table.columns();
        String sql = selectColumns(dialect, name, table);
        MessageDigest sha = sha256();
        long rows = 0;
        long checksum = 0;
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                rows++;
                for (int i = 0; i < columns.size(); i++) {
                    String v = dialect.canonicalOf(rs, i + 1, columns.get(i));
                    sha.update(v == null ? new byte[] {0} : ("\u0001" + v).getBytes(StandardCharsets.UTF_8));
                    sha.update((byte) 0x1f);
                }
                checksum += ByteBuffer.wrap(sha.digest()).getLong();
            }
        }
        return new TableDigest(rows, checksum);
    }

    /** {@code SELECT} of the leader's columns of {@code table}, in their order, from {@code name} in the dialect's quoting. */
    public static String selectColumns(Dialect dialect, Name name, TableSchema table) {
        DSLContext dsl = dialect.dsl();
        StringBuilder sql = new StringBuilder("SELECT ");
        List<Column> columns = table.columns();
        for (int i = 0; i < columns.size(); i++) {
            String quoted = dsl.render(DSL.name(columns.get(i).name()));
            String expression = dialect.selectExpression(columns.get(i), quoted);
            sql.append(i > 0 ? ", " : "").append(expression).append(expression.equals(quoted) ? "" : " AS " + quoted);
        }
        return sql.append(" FROM ").append(dsl.render(name)).toString();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
