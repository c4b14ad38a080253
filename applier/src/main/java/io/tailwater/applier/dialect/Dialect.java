package io.tailwater.applier.dialect;

import io.tailwater.schemas.Column;
import io.tailwater.schemas.TableId;
import org.jooq.Name;
import org.jooq.SQLDialect;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.Properties;

/**
 * What differs between follower databases: column types, how values are bound and read back,
 * how a leader table is named, and connection settings. SQL text itself is rendered by jOOQ for
 * {@link #jooqDialect()}. A dialect knows nothing of Kafka.
 */
public interface Dialect {

    SQLDialect jooqDialect();

    /** The jOOQ context every follower SQL is rendered with: all names quoted, {@code ?} placeholders. */
    default org.jooq.DSLContext dsl() {
        return org.jooq.impl.DSL.using(jooqDialect(), new org.jooq.conf.Settings()
                .withRenderQuotedNames(org.jooq.conf.RenderQuotedNames.ALWAYS)
                .withParamType(org.jooq.conf.ParamType.INDEXED)
                .withRenderSchema(true));
    }

    /** The follower's name for a leader table: by default the same schema and table. */
    default Name tableName(TableId leaderTable) {
        return org.jooq.impl.DSL.name(leaderTable.schema(), leaderTable.table());
    }

    /**
     * The name of a leader table in a database without schemas: a table of {@code public} keeps
     * its name, any other becomes {@code <schema>_<table>}.
     */
    static Name schemalessName(TableId leaderTable) {
        return org.jooq.impl.DSL.name(leaderTable.schema().equals("public") ? leaderTable.table()
                : leaderTable.schema() + "_" + leaderTable.table());
    }

    /** The follower column type for a leader column (DDL text, e.g. {@code numeric(12,2)}). */
    String columnType(Column column);

    /**
     * The value to pass to {@code PreparedStatement.setObject} for a non-null Java value (see
     * {@code ColumnType}). By default the Java value itself, with instants as UTC
     * {@code OffsetDateTime}s, which JDBC drivers with java.time support take as they are.
     *
     * @throws SQLException when the follower cannot hold the value (say, an infinite double)
     */
    default Object bind(Column column, Object value) throws SQLException {
        return value instanceof java.time.Instant i ? java.time.OffsetDateTime.ofInstant(i, java.time.ZoneOffset.UTC) : value;
    }

    /**
     * The expression a {@code SELECT} reads {@code column} (named {@code quoted}) back with, for
     * {@link #canonicalOf}: the column itself, or its text where the JDBC driver would read the
     * value through the JVM's time zone (a local timestamp in its DST gap would move).
     */
    default String selectExpression(Column column, String quoted) {
        return quoted;
    }

    /** Reads a column back in the canonical text form used to compare followers with the leader. */
    String canonical(ResultSet rs, int index, Column column) throws SQLException;

    /**
     * Reads a column back in canonical form, also where {@code column-types} gave it a text type
     * on this follower: then its text is in the documented lossless form.
     */
    default String canonicalOf(ResultSet rs, int index, Column column) throws SQLException {
        if (isTextType(rs.getMetaData().getColumnTypeName(index)) && !isTextType(columnType(column))) {
            return CanonicalValues.fromText(column, rs.getString(index));
        }
        return canonical(rs, index, column);
    }

    /** The follower's text type for {@code column-types} advice: unbounded text. */
    default String textType() {
        return "TEXT";
    }

    /** Whether a SQL type name is a text type. */
    static boolean isTextType(String sqlType) {
        String t = sqlType.toUpperCase(java.util.Locale.ROOT);
        return t.contains("TEXT") || t.contains("CHAR") || t.contains("CLOB") || t.equals("STRING");
    }

    /**
     * The refusal of a value this follower's type for the column cannot hold (a NaN, an infinity,
     * 24:00:00, a year before 1), naming the column and the value.
     */
    static SQLException cannotHold(String follower, Column c, Object v, String why) {
        String what = v instanceof io.tailwater.schemas.Special s ? s.describe() : "the value " + v;
        return new java.sql.SQLDataException(follower + " cannot hold " + what + " in column \"" + c.name().replace("\"", "\"\"")
                + "\" (" + c.sourceType().toLowerCase(java.util.Locale.ROOT) + "): " + why, "22003");
    }

    /**
     * The upsert statement with one {@code ?} per column, in column order, or null to let jOOQ
     * render {@code INSERT ... ON CONFLICT DO UPDATE} for {@link #jooqDialect()}.
     *
     * @param table the quoted table name
     * @param columns the quoted column names
     * @param keys the quoted key column names
     */
    default String upsert(String table, java.util.List<String> columns, java.util.List<String> keys) {
        return null;
    }

    /** The dialect's fast path for loading emptied tables from the snapshot, if it has one (see {@link BulkLoad}). */
    default Optional<BulkLoad> bulkLoad() {
        return Optional.empty();
    }

    /**
     * A faster way than multi-row upserts to write many rows of one table, or empty. Used for
     * tables whose columns all have this dialect's own types (no {@code column-types} entry).
     */
    default Optional<BulkUpsert> bulkUpsert() {
        return Optional.empty();
    }

    /** The statement that lets a column take NULL, for a column the leader dropped. */
    default String dropNotNull(String table, String column) {
        return "ALTER TABLE " + table + " ALTER COLUMN " + column + " DROP NOT NULL";
    }

    /**
     * Whether {@link #dropNotNull} works here. Where it does not, tables are created without NOT
     * NULL on non-key columns, so a column the leader drops can go without values.
     */
    default boolean canDropNotNull() {
        return true;
    }

    /**
     * The condition that a column equals a parameter, NULL equal to NULL: used to find one row of
     * a table without a key by all its values.
     *
     * @param column the column
     * @param quoted its quoted name
     */
    default String nullSafeEquals(Column column, String quoted) {
        return quoted + " IS NOT DISTINCT FROM ?";
    }

    /** The pseudo-column naming one physical row (PostgreSQL's ctid, SQLite's rowid), for changing exactly one of equal rows. */
    default String rowId() {
        return "rowid";
    }

    /**
     * Deletes one row (of possibly several equal ones) of a table without a key; one {@code ?}
     * per {@code conditions} entry (see {@link #nullSafeEquals}).
     */
    default String deleteOne(String table, java.util.List<String> conditions) {
        return "DELETE FROM " + table + " WHERE " + rowId() + " = (SELECT " + rowId() + " FROM " + table + " WHERE "
                + String.join(" AND ", conditions) + " LIMIT 1)";
    }

    /** Updates one row of a table without a key: parameters are the new values ({@code set}), then the old ones. */
    default String updateOne(String table, java.util.List<String> set, java.util.List<String> conditions) {
        return "UPDATE " + table + " SET " + String.join(", ", set.stream().map(c -> c + " = ?").toList()) + " WHERE " + rowId()
                + " = (SELECT " + rowId() + " FROM " + table + " WHERE " + String.join(" AND ", conditions) + " LIMIT 1)";
    }

    /** Table options appended to {@code CREATE TABLE (...)}, e.g. a character set and collation. */
    default String tableOptions() {
        return "";
    }

    /**
     * Refuses a leader table or column name the follower cannot take as it is.
     *
     * @param name the leader's name
     * @param what what it names, for the message: {@code column "x" of table public.t}
     * @throws SQLException saying why, and what the operator can do
     */
    default void checkIdentifier(String name, String what) throws SQLException {
    }

    /** Extra JDBC connection properties. */
    default Properties connectionProperties() {
        return new Properties();
    }

    /** Session settings applied once per new connection. */
    default void configure(Connection connection) throws SQLException {
    }

    /** Whether an error means the database or connection is briefly unavailable, so a retry may succeed. */
    default boolean isTransient(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException s) {
                for (SQLException x = s; x != null; x = x.getNextException()) {
                    if (isTransientState(x)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Whether one SQL exception, without its chain, is of a transient kind. */
    default boolean isTransientState(SQLException e) {
        String state = e.getSQLState();
        return e instanceof java.sql.SQLTransientException || e instanceof java.sql.SQLRecoverableException
                || (state != null && (state.startsWith("08") || state.equals("40001") || state.equals("40P01")
                || state.equals("57P01") || state.equals("57P02") || state.equals("57P03") || state.equals("53300")));
    }
}
