package io.tailwater.schemas.pg;

import io.tailwater.schemas.ColumnType;

import java.util.Set;

/**
 * Which {@link ColumnType} each PostgreSQL type travels as. Types with a portable kind keep it;
 * every other type (network addresses, ranges, geometry, bit strings, xml, timetz, composites,
 * extension types) is {@link ColumnType#LEADER_TEXT}: PostgreSQL's own text of the value.
 */
public final class PgKinds {
    private static final Set<String> BUILT_IN = Set.of("bool", "int2", "int4", "int8", "oid", "float4", "float8", "numeric", "money",
            "text", "varchar", "bpchar", "name", "char", "json", "jsonb", "uuid", "bytea", "date", "time", "timestamp", "timestamptz",
            "interval", "timetz", "inet", "cidr", "macaddr", "macaddr8", "bit", "varbit", "xml", "point", "line", "lseg", "box", "path",
            "polygon", "circle", "int4range", "int8range", "numrange", "daterange", "tsrange", "tstzrange", "int4multirange",
            "int8multirange", "nummultirange", "datemultirange", "tsmultirange", "tstzmultirange", "tsvector", "tsquery", "pg_lsn",
            "txid_snapshot", "pg_snapshot", "xid", "xid8", "cid", "tid", "regclass", "regtype", "regproc", "jsonpath");

    private PgKinds() {
    }

    /** The type name behind an alias Debezium reports for a column: {@code serial} is int4, {@code bigserial} int8, {@code smallserial} int2. */
    public static String unalias(String typeName) {
        return switch (typeName) {
            case "serial", "serial4" -> "int4";
            case "bigserial", "serial8" -> "int8";
            case "smallserial", "serial2" -> "int2";
            default -> typeName;
        };
    }

    /** Whether a type (or array type) is one of PostgreSQL's own, which need no catalog lookup. */
    public static boolean isBuiltIn(String typeName) {
        return BUILT_IN.contains(typeName) || typeName.startsWith("_") && BUILT_IN.contains(typeName.substring(1));
    }

    /**
     * The kind of a value type (a domain's base type already resolved).
     *
     * @param precision the declared precision of a numeric, or a value outside 1..1000 for none
     * @param enumType whether the type is an enum (its label travels as text)
     */
    public static ColumnType of(String typeName, int precision, boolean enumType) {
        if (enumType) {
            return ColumnType.STRING;
        }
        if (typeName.startsWith("_")) {
            return ColumnType.ARRAY;
        }
        return switch (typeName) {
            case "bool" -> ColumnType.BOOLEAN;
            case "int2" -> ColumnType.INT16;
            case "int4" -> ColumnType.INT32;
            case "int8", "oid" -> ColumnType.INT64;
            case "float4" -> ColumnType.FLOAT32;
            case "float8" -> ColumnType.FLOAT64;
            case "numeric" -> precision >= 1 && precision <= 1000 ? ColumnType.DECIMAL : ColumnType.NUMERIC;
            case "money" -> ColumnType.NUMERIC;
            case "text", "varchar", "bpchar", "name", "char" -> ColumnType.STRING;
            case "json", "jsonb" -> ColumnType.JSON;
            case "uuid" -> ColumnType.UUID;
            case "bytea" -> ColumnType.BYTES;
            case "date" -> ColumnType.DATE;
            case "time" -> ColumnType.TIME;
            case "timestamp" -> ColumnType.TIMESTAMP;
            case "timestamptz" -> ColumnType.TIMESTAMPTZ;
            case "interval" -> ColumnType.INTERVAL;
            default -> ColumnType.LEADER_TEXT;
        };
    }
}
