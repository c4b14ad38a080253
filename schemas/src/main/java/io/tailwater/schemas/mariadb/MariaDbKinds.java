package io.tailwater.schemas.mariadb;

import io.tailwater.schemas.ColumnType;

import java.util.Locale;

/**
 * The {@link ColumnType} of each MariaDB column type, and the type name the log gives followers
 * ({@code tailwater.value.type}). The names are chosen so that every follower makes a column
 * that holds the values exactly: CHAR(n) is VARCHAR(n), for MariaDB gives CHAR values without
 * their trailing spaces.
 *
 * <table>
 *   <tr><th>MariaDB</th><th>kind</th><th>name in the log</th></tr>
 *   <tr><td>TINYINT (also TINYINT(1), BOOLEAN), SMALLINT, TINYINT UNSIGNED</td><td>INT16</td><td>TINYINT, SMALLINT</td></tr>
 *   <tr><td>SMALLINT UNSIGNED, MEDIUMINT [UNSIGNED], INT</td><td>INT32</td><td>...</td></tr>
 *   <tr><td>INT UNSIGNED, BIGINT</td><td>INT64</td><td>...</td></tr>
 *   <tr><td>BIGINT UNSIGNED</td><td>DECIMAL(20,0)</td><td>BIGINT UNSIGNED</td></tr>
 *   <tr><td>DECIMAL(p,s)</td><td>DECIMAL</td><td>DECIMAL</td></tr>
 *   <tr><td>FLOAT, DOUBLE</td><td>FLOAT32, FLOAT64</td><td>FLOAT, DOUBLE</td></tr>
 *   <tr><td>BIT(1); BIT(n)</td><td>BOOLEAN; LEADER_TEXT (the bits, {@code 0101})</td><td>BIT</td></tr>
 *   <tr><td>CHAR(n), VARCHAR(n)</td><td>STRING</td><td>VARCHAR</td></tr>
 *   <tr><td>TINYTEXT ... LONGTEXT, JSON, ENUM, SET</td><td>STRING</td><td>TEXT, ENUM, SET</td></tr>
 *   <tr><td>BINARY, VARBINARY, TINYBLOB ... LONGBLOB</td><td>BYTES</td><td>BINARY, BLOB</td></tr>
 *   <tr><td>DATE; DATETIME; TIMESTAMP</td><td>DATE; TIMESTAMP; TIMESTAMPTZ</td><td>DATE, DATETIME, TIMESTAMP</td></tr>
 *   <tr><td>TIME (-838:59:59 to 838:59:59)</td><td>INTERVAL</td><td>TIME</td></tr>
 *   <tr><td>YEAR</td><td>INT16</td><td>YEAR</td></tr>
 *   <tr><td>UUID</td><td>UUID</td><td>UUID</td></tr>
 * </table>
 * Spatial types, INET4, INET6 and VECTOR have no kind: capture refuses them.
 */
public final class MariaDbKinds {
    private MariaDbKinds() {
    }

    /**
     * A column's kind.
     *
     * @param type the value kind
     * @param valueType the type name the log gives followers
     * @param bits for integers, the width of the MariaDB type (8 to 64); 0 otherwise
     * @param unsigned whether an integer type is unsigned
     */
    public record Kind(ColumnType type, String valueType, int bits, boolean unsigned) {
        public boolean unsignedBigint() {
            return unsigned && bits == 64;
        }
    }

    /** The kind of a column of {@code typeName} (Debezium's, such as {@code INT UNSIGNED}), or null for a type not replicated. */
    public static Kind of(String typeName, int length) {
        String t = typeName.toUpperCase(Locale.ROOT).trim();
        boolean unsigned = t.contains("UNSIGNED");
        String base = t.replace(" ZEROFILL", "").replace(" UNSIGNED", "").replace(" SIGNED", "").trim();
        return switch (base) {
            case "TINYINT", "BOOL", "BOOLEAN" -> new Kind(ColumnType.INT16, unsigned ? "TINYINT UNSIGNED" : "TINYINT", 8, unsigned);
            case "SMALLINT" -> new Kind(unsigned ? ColumnType.INT32 : ColumnType.INT16, unsigned ? "SMALLINT UNSIGNED" : "SMALLINT", 16,
                    unsigned);
            case "MEDIUMINT" -> new Kind(ColumnType.INT32, unsigned ? "MEDIUMINT UNSIGNED" : "MEDIUMINT", 24, unsigned);
            case "INT", "INTEGER" -> new Kind(unsigned ? ColumnType.INT64 : ColumnType.INT32, unsigned ? "INT UNSIGNED" : "INT", 32, unsigned);
            case "BIGINT" -> new Kind(unsigned ? ColumnType.DECIMAL : ColumnType.INT64, unsigned ? "BIGINT UNSIGNED" : "BIGINT", 64,
                    unsigned);
            case "DECIMAL", "DEC", "NUMERIC", "FIXED" -> new Kind(ColumnType.DECIMAL, "DECIMAL", 0, false);
            case "FLOAT" -> length > 24 ? new Kind(ColumnType.FLOAT64, "DOUBLE", 0, false) : new Kind(ColumnType.FLOAT32, "FLOAT", 0, false);
            case "DOUBLE", "DOUBLE PRECISION", "REAL" -> new Kind(ColumnType.FLOAT64, "DOUBLE", 0, false);
            case "BIT" -> length <= 1 ? new Kind(ColumnType.BOOLEAN, "BIT", 0, false) : new Kind(ColumnType.LEADER_TEXT, "BIT", 0, false);
            case "CHAR", "CHARACTER", "NCHAR", "VARCHAR", "CHARACTER VARYING", "NVARCHAR", "NATIONAL CHAR", "NATIONAL VARCHAR" ->
                    new Kind(ColumnType.STRING, "VARCHAR", 0, false);
            case "TINYTEXT", "TEXT", "MEDIUMTEXT", "LONGTEXT", "LONG", "LONG VARCHAR", "JSON" -> new Kind(ColumnType.STRING, "TEXT", 0, false);
            case "ENUM" -> new Kind(ColumnType.STRING, "ENUM", 0, false);
            case "SET" -> new Kind(ColumnType.STRING, "SET", 0, false);
            case "BINARY" -> new Kind(ColumnType.BYTES, "BINARY", 0, false);
            case "VARBINARY", "TINYBLOB", "BLOB", "MEDIUMBLOB", "LONGBLOB", "LONG VARBINARY" -> new Kind(ColumnType.BYTES, "BLOB", 0, false);
            case "DATE" -> new Kind(ColumnType.DATE, "DATE", 0, false);
            case "DATETIME" -> new Kind(ColumnType.TIMESTAMP, "DATETIME", 0, false);
            case "TIMESTAMP" -> new Kind(ColumnType.TIMESTAMPTZ, "TIMESTAMP", 0, false);
            case "TIME" -> new Kind(ColumnType.INTERVAL, "TIME", 0, false);
            case "YEAR" -> new Kind(ColumnType.INT16, "YEAR", 0, false);
            case "UUID" -> new Kind(ColumnType.UUID, "UUID", 0, false);
            default -> null;
        };
    }
}
