package io.tailwater.applier.dialect.postgres;

import io.tailwater.applier.dialect.BulkLoad;
import io.tailwater.applier.dialect.CanonicalValues;
import io.tailwater.applier.dialect.Dialect;
import io.tailwater.schemas.Column;
import io.tailwater.schemas.ColumnType;
import org.jooq.SQLDialect;
import org.postgresql.util.PGInterval;
import org.postgresql.util.PGobject;

import java.util.Optional;
import io.tailwater.schemas.JsonArrays;
import io.tailwater.schemas.Special;
import io.tailwater.schemas.pg.PgArrays;
import io.tailwater.schemas.pg.PgKinds;
import io.tailwater.schemas.pg.PgText;
import java.util.Locale;

import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;

/**
 * PostgreSQL followers. Every leader type has its own PostgreSQL type, so values round-trip
 * exactly; enum columns become {@code text}, domains their base type, arrays of enums, composites
 * and extension types {@code text[]}; other leader types (inet, ranges, geometry, bit strings, xml,
 * composites, extension types) are created as the leader's type, which must exist on the follower. Strings are sent untyped
 * ({@code stringtype=unspecified}) so the server casts them to uuid, json or interval.
 */
public final class PostgresDialect implements Dialect {

    @Override
    public SQLDialect jooqDialect() {
        return SQLDialect.POSTGRES;
    }

    @Override
    public String columnType(Column c) {
        String source = c.sourceTypeName();
        return switch (c.type()) {
            case BOOLEAN -> "boolean";
            case INT16 -> "smallint";
            case INT32 -> "integer";
            case INT64 -> source.equals("OID") ? "oid" : "bigint";
            case FLOAT32 -> "real";
            case FLOAT64 -> "double precision";
            case DECIMAL -> "numeric(" + c.length() + "," + c.scale() + ")";
            case NUMERIC -> source.equals("MONEY") ? "money" : "numeric";
            case STRING -> switch (source) {
                case "VARCHAR" -> c.length() > 0 ? "varchar(" + c.length() + ")" : "varchar";
                case "BPCHAR" -> c.length() > 0 ? "char(" + c.length() + ")" : "char";
                case "CHAR" -> "\"char\"";
                case "NAME" -> "name";
                default -> "text";
            };
            case JSON -> source.equals("JSON") ? "json" : "jsonb";
            case INTERVAL -> "interval";
            case ARRAY -> source.equals("_NUMERIC") && c.length() > 0 && c.scale() >= 0 ? "numeric(" + c.length() + "," + c.scale() + ")[]"
                    : source.startsWith("_") && PgKinds.isBuiltIn(source.substring(1).toLowerCase(Locale.ROOT))
                    ? "\"" + source.substring(1).toLowerCase(Locale.ROOT) + "\"[]"
                    : "text[]"; // arrays of enums, composites and extension types: their elements' text
            case BYTES -> "bytea";
            case DATE -> "date";
            case TIME -> "time";
            case TIMESTAMP -> "timestamp";
            case TIMESTAMPTZ -> "timestamptz";
            case UUID -> "uuid";
            case LEADER_TEXT -> leaderType(c);
        };
    }

    /** The leader's own type, with its length for bit strings; extension and composite types must exist on the follower. */
    private static String leaderType(Column c) {
        String t = c.sourceType().toLowerCase(Locale.ROOT);
        return (t.equals("bit") || t.equals("varbit")) && c.length() > 0 ? t + "(" + c.length() + ")" : "\"" + t.replace("\"", "\"\"") + "\"";
    }


    @Override
    public String rowId() {
        return "ctid";
    }

    /** json has no equality operator: compared as text. */
    @Override
    public String nullSafeEquals(Column c, String quoted) {
        return c.type() == ColumnType.JSON && c.sourceTypeName().equals("JSON") ? "CAST(" + quoted + " AS text) IS NOT DISTINCT FROM ?"
                : quoted + " IS NOT DISTINCT FROM ?";
    }

    /**
     * Special values (NaN, infinity, 24:00:00) as PostgreSQL spells them, which the server casts to
     * the column's type. Decimals go as their plain text too: exact, and far cheaper than the
     * driver's binary numeric encoding, which divides a BigInteger for every four digits.
     */
    @Override
    public Object bind(Column c, Object v) throws SQLException {
        if (v instanceof Special s) {
            return s.text();
        }
        if (v instanceof BigDecimal d && !c.sourceTypeName().equals("MONEY")) {
            return d.toPlainString();
        }
        return c.type() == ColumnType.ARRAY ? JsonArrays.toPostgresLiteral((String) v) : Dialect.super.bind(c, v);
    }

    @Override
    public Optional<BulkLoad> bulkLoad() {
        return Optional.of(new PostgresCopyLoad());
    }

    /** Reads PostgreSQL's text of each value, as capture does, never a {@code java.sql} date. */
    @Override
    public String canonical(ResultSet rs, int i, Column c) throws SQLException {
        String source = c.sourceTypeName();
        switch (c.type()) {
            case ARRAY, DATE, TIME, TIMESTAMP, TIMESTAMPTZ, LEADER_TEXT, DECIMAL, NUMERIC -> {
                Object o = c.type() == ColumnType.LEADER_TEXT ? rs.getObject(i) : rs.getString(i); // money would go through a double
                if (o == null) {
                    return null;
                }
                String s = o instanceof PGobject p ? p.getValue() : rs.getString(i);
                Special special = Special.of(c.type(), s);
                if (special != null) {
                    return special.text();
                }
                return switch (c.type()) {
                    case ARRAY -> PgArrays.toJson(source, s);
                    case DATE -> PgText.date(s).toString();
                    case TIME -> CanonicalValues.time(PgText.time(s));
                    case TIMESTAMP -> CanonicalValues.timestamp(PgText.timestamp(s));
                    case TIMESTAMPTZ -> CanonicalValues.instant(PgText.timestamptz(s));
                    case DECIMAL, NUMERIC -> CanonicalValues.decimal(source.equals("MONEY") ? PgText.money(s) : new BigDecimal(s));
                    default -> switch (source) {
                        case "TIMETZ" -> PgText.timetzAtUtc(s);
                        case "TSTZRANGE", "TSTZMULTIRANGE" -> PgText.timestamptzsAtUtc(s);
                        default -> s;
                    };
                };
            }
            case INTERVAL -> {
                // below
            }
            default -> {
                return CanonicalValues.read(rs, i, c);
            }
        }
        Object o = rs.getObject(i);
        if (!(o instanceof PGInterval v)) {
            return null;
        }
        return CanonicalValues.interval(v.getYears(), v.getMonths(), v.getDays(), v.getHours(), v.getMinutes(),
                BigDecimal.valueOf(v.getWholeSeconds()).add(BigDecimal.valueOf(v.getMicroSeconds(), 6)));
    }

    @Override
    public Properties connectionProperties() {
        Properties p = new Properties();
        p.setProperty("stringtype", "unspecified");
        p.setProperty("connectTimeout", "10");
        p.setProperty("logServerErrorDetail", "false"); // keep row values out of error messages and logs
        // The applier writes even where clients may not: a follower's database may be made read-only for them
        // (ALTER DATABASE ... SET default_transaction_read_only = on), as rejoin leaves a former leader.
        p.setProperty("options", "-c default_transaction_read_only=off");
        return p;
    }

}
