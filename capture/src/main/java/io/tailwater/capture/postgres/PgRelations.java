package io.tailwater.capture.postgres;

import io.tailwater.capture.postgres.PgOutputMessages.Relation;
import io.tailwater.capture.postgres.PgOutputMessages.RelationColumn;
import io.tailwater.schemas.Column;
import io.tailwater.schemas.ColumnType;
import io.tailwater.schemas.TableId;
import io.tailwater.schemas.TableSchema;
import io.tailwater.schemas.ValueText;
import io.tailwater.schemas.pg.PgKinds;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TypeInfo;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tables of a pgoutput stream, by relation id: each {@link Relation} message becomes the
 * {@link TableSchema} Debezium's connector gives the same table (the column types, lengths and
 * scales pgjdbc computes from the type modifiers, NOT NULL, the primary key, or for a table
 * without one its unique indexes' columns), read from the leader's catalog when the message
 * arrives. Defaults are kept where they are constants; a computed default ({@code now()},
 * {@code nextval(...)}) gives followers none. Not thread-safe: one capture thread.
 */
public final class PgRelations {
    /** {@code 'text'::type}, as pg_get_expr writes a constant default. */
    private static final Pattern QUOTED = Pattern.compile("^'((?:[^']|'')*)'(?:::[\\w\\s\".\\[\\]()]+)?$");
    /** A number, as pg_get_expr writes a numeric constant default: {@code 42}, {@code (-1)}, {@code 1.5}. */
    private static final Pattern NUMBER = Pattern.compile("^\\(?(-?\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?)\\)?(?:::[\\w\\s]+)?$");

    private final Supplier<Connection> connections;
    private final PgTypeCatalog types;
    private final Map<Integer, PgRelation> byOid = new HashMap<>();
    private Connection connection;

    /** The tables of one stream, read through {@code connections} (one connection is kept, made again when lost). */
    public PgRelations(Supplier<Connection> connections, String stream) {
        this.connections = connections;
        this.types = PgTypeCatalog.of(stream);
    }

    /** One table of the stream and the leader type each column's values are of. */
    public record PgRelation(TableSchema table, String[] valueTypes) {
        /** A tuple of pgoutput's texts as the log's values, in column order; a value that cannot be carried exactly is refused. */
        public Object[] values(String[] texts) {
            if (texts == null) {
                return null;
            }
            List<Column> columns = table.columns();
            if (texts.length != columns.size()) {
                throw new IllegalStateException("pgoutput sent " + texts.length + " values for table " + table.id() + ", which has "
                        + columns.size() + " columns; capture stopped");
            }
            Object[] out = new Object[texts.length];
            for (int i = 0; i < texts.length; i++) {
                Column c = columns.get(i);
                try {
                    out[i] = PgValueConverter.streamedValue(c, valueTypes[i], texts[i]);
                } catch (RuntimeException | SQLException e) {
                    throw PgValueConverter.unrepresentable(PgValueConverter.where(c.name(), table.id().toString(), valueTypes[i]), e,
                            "leader.debezium.column.exclude.list (which needs leader.decoder: debezium)");
                }
            }
            return out;
        }
    }

    /** The table a relation id stands for; null when no relation message named it yet. */
    public PgRelation get(int oid) {
        return byOid.get(oid);
    }

    /** Reads the table a relation message describes, and keeps it for its relation id. */
    public PgRelation describe(Relation relation) throws SQLException {
        PgRelation described = read(relation);
        byOid.put(relation.oid(), described);
        return described;
    }

    /** Closes the catalog connection. */
    public void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
            connection = null;
        }
    }

    private PgRelation read(Relation relation) throws SQLException {
        if (connection == null || connection.isClosed()) {
            connection = connections.get();
        }
        Map<String, Attribute> attributes = attributes(relation.oid());
        Set<String> keys = keys(relation.oid());
        TypeInfo typeInfo = connection.unwrap(BaseConnection.class).getTypeInfo();
        TableId id = new TableId(relation.schema(), relation.table());
        List<Column> columns = new ArrayList<>();
        String[] valueTypes = new String[relation.columns().size()];
        for (RelationColumn rc : relation.columns()) {
            Attribute a = attributes.get(rc.name());
            if (a == null) {
                throw new SQLException("column \"" + rc.name().replace("\"", "\"\"") + "\" of table " + id
                        + " is in the leader's change stream but no longer in its catalog (dropped since)", "55000");
            }
            String valueType = types.type(PgKinds.unalias(a.typeName())).valueTypeName();
            int lengthOid = a.domain() ? a.baseOid() : rc.typeOid();
            int modifier = a.domain() && rc.typeModifier() == -1 ? a.domainModifier() : rc.typeModifier();
            int length;
            int scale;
            if (modifier != -1 && !a.domain()) {
                length = typeInfo.getPrecision(lengthOid, modifier);
                scale = typeInfo.getScale(lengthOid, modifier);
            } else {
                length = typeInfo.getPrecision(lengthOid, modifier);
                if (length == 0) {
                    length = typeInfo.getDisplaySize(lengthOid, modifier);
                }
                scale = typeInfo.getScale(lengthOid, modifier);
            }
            ColumnType kind = PgKinds.of(valueType, length, types.type(PgKinds.unalias(a.typeName())).kind() == 'e');
            Column column = new Column(rc.name(), kind, valueType.toUpperCase(Locale.ROOT), length, scale, !a.notNull(),
                    keys.contains(rc.name()));
            String constant = constantDefault(a.defaultExpression());
            if (constant != null) {
                try {
                    Object value = PgValueConverter.logValue(column, constant);
                    if (value instanceof BigDecimal d && kind == ColumnType.DECIMAL && scale > d.scale()) {
                        value = d.setScale(scale); // the column's scale, as the leader stores the default: 1.5 in numeric(8,3) is 1.500
                    }
                    column = column.withDefault(ValueText.format(column, value));
                } catch (RuntimeException | SQLException e) {
                    // a default that is no constant of the column's type: followers get no default
                }
            }
            valueTypes[columns.size()] = valueType;
            columns.add(column);
        }
        return new PgRelation(new TableSchema(id, columns), valueTypes);
    }

    /** The text of a constant default expression, or null for none or a computed one. */
    static String constantDefault(String expression) {
        if (expression == null) {
            return null;
        }
        Matcher quoted = QUOTED.matcher(expression);
        if (quoted.matches()) {
            return quoted.group(1).replace("''", "'");
        }
        Matcher number = NUMBER.matcher(expression);
        if (number.matches()) {
            return number.group(1);
        }
        return expression.equals("true") || expression.equals("false") ? expression : null;
    }

    private record Attribute(String typeName, boolean notNull, boolean domain, int baseOid, int domainModifier,
                             String defaultExpression) {
    }

    private Map<String, Attribute> attributes(int oid) throws SQLException {
        String sql = """
                SELECT a.attname, t.typname, a.attnotnull, t.typtype = 'd', t.typbasetype, t.typtypmod, pg_get_expr(d.adbin, d.adrelid)
                FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
                LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped""";
        Map<String, Attribute> out = new HashMap<>();
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setInt(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), new Attribute(rs.getString(2), rs.getBoolean(3), rs.getBoolean(4), rs.getInt(5), rs.getInt(6),
                            rs.getString(7)));
                }
            }
        }
        return out;
    }

    /** The primary key's columns; for a table without one, the columns of its unique indexes (as Debezium takes them). */
    private Set<String> keys(int oid) throws SQLException {
        String sql = """
                SELECT i.indisprimary, a.attname FROM pg_index i
                JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                WHERE i.indrelid = ? AND (i.indisprimary OR i.indisunique)""";
        Set<String> primary = new HashSet<>();
        Set<String> unique = new HashSet<>();
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setInt(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    (rs.getBoolean(1) ? primary : unique).add(rs.getString(2));
                }
            }
        }
        return primary.isEmpty() ? unique : primary;
    }
}
