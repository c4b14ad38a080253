package io.tailwater.capture.mariadb;

import io.debezium.spi.converter.CustomConverter;
import io.debezium.spi.converter.RelationalColumn;
import io.tailwater.capture.UnrepresentableValueException;
import io.tailwater.schemas.ColumnType;
import io.tailwater.schemas.TableId;
import io.tailwater.schemas.connect.ConnectTables;
import io.tailwater.schemas.mariadb.MariaDbKinds;
import org.apache.kafka.connect.data.SchemaBuilder;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.Charset;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

/**
 * Capture's own conversion of every MariaDB column, in place of Debezium's: each value is handed
 * on exactly, as {@link ConnectTables} expects it. It reads the raw values Debezium's MariaDB
 * connector has before its own converters run: the binlog's (signed integers for unsigned
 * columns, bytes in the column's character set, {@code java.time} values, ENUM indexes and SET
 * bit masks, {@code BitSet}s) and the snapshot's (JDBC values, and every date and time as the
 * server's text, see the patched {@code MariaDbFieldReader}). Nothing goes through {@code java.sql} date
 * types or the JVM's time zone. A value it cannot carry stops capture, naming the column.
 *
 * <p>The kinds (see {@link MariaDbKinds} for the whole table): unsigned integers widen to the
 * next kind (BIGINT UNSIGNED to DECIMAL(20,0)), {@code TIME} (-838:59:59 to 838:59:59) is an
 * interval, {@code TIMESTAMP} an instant, {@code DATETIME} a local timestamp, {@code YEAR} a
 * small integer, {@code BIT(1)} a boolean and {@code BIT(n)} its bits as text, ENUM and SET
 * their text.
 */
public final class MariaDbValueConverter implements CustomConverter<SchemaBuilder, RelationalColumn> {

    /** The converter property naming the stream, whose leader {@link MariaDbEnumOptions} reads labels from. */
    public static final String STREAM = "stream";

    private String stream;

    @Override
    public void configure(Properties props) {
        stream = props.getProperty(STREAM);
    }

    @Override
    public void converterFor(RelationalColumn column, ConverterRegistration<SchemaBuilder> registration) {
        String where = "column \"" + column.name().replace("\"", "\"\"") + "\" of table " + TableId.parse(column.dataCollection())
                + " (" + column.typeName() + ")";
        MariaDbKinds.Kind kind = MariaDbKinds.of(column.typeName(), column.length().orElse(-1));
        if (kind == null) {
            throw new UnrepresentableValueException(where + " is of a type Tailwater does not replicate from MariaDB (spatial, INET4,"
                    + " INET6 and vector types are not supported). Capture stopped before writing any of its rows. Leave the column"
                    + " out with leader.debezium.column.exclude.list, or the table out of leader.tables, then restart capture");
        }
        ColumnType type = kind.type();
        SchemaBuilder schema = ConnectTables.fieldSchema(type, kind.valueType());
        if (kind.unsignedBigint()) {
            // BIGINT UNSIGNED has 20 digits: DECIMAL(20,0) everywhere (Debezium gave it the leader's length, 20 or less)
            schema.parameter("__debezium.source.column.length", "20").parameter("__debezium.source.column.scale", "0");
        }
        if (column.isOptional()) {
            schema.optional();
        }
        Charset charset = type == ColumnType.STRING ? charset(column, where) : null;
        List<String> options = kind.valueType().equals("ENUM") || kind.valueType().equals("SET")
                ? MariaDbEnumOptions.of(stream, column.dataCollection(), column.name()) : List.of();
        // BINARY(n) values are padded to n bytes, BIT(n) values have n bits
        int length = kind.valueType().equals("BINARY") || kind.valueType().equals("BIT") ? column.length().orElse(0) : 0;
        boolean required = !column.isOptional();
        Object defaultValue = column.hasDefaultValue() ? column.defaultValue() : null;
        registration.register(schema, value -> {
            if (value != null && value == defaultValue) {
                return defaultOf(kind, value, charset, options, length);
            }
            if (value == null) {
                if (required) {
                    // binlog_row_image=FULL sends every column; only a zero date reaches here as nothing
                    throw new UnrepresentableValueException(where + " is NOT NULL but the leader sent no value for it: a zero date"
                            + " ('0000-00-00'), which no follower can hold. Capture stopped; nothing after the last complete leader"
                            + " transaction was written to the log. Change such values on the leader (and set sql_mode NO_ZERO_DATE,"
                            + " NO_ZERO_IN_DATE), then restart capture");
                }
                return null;
            }
            try {
                return MariaDbValues.convert(kind, value, charset, options, length);
            } catch (RuntimeException e) {
                throw new UnrepresentableValueException(where + " holds a value Tailwater cannot carry exactly: " + e.getMessage()
                        + ". Capture stopped; nothing after the last complete leader transaction was written to the log. Change the"
                        + " value on the leader, or leave the column out with leader.debezium.column.exclude.list, then restart capture");
            }
        });
    }

    /**
     * The schema default of a column: its constant converted as its values are, or
     * {@link #NO_CONSTANT_DEFAULT} for a default the server computes, which Debezium stands in
     * for with the epoch (CURRENT_TIMESTAMP, whose epoch is MariaDB's zero timestamp).
     */
    private static Object defaultOf(MariaDbKinds.Kind kind, Object value, Charset charset, List<String> options, int length) {
        try {
            Object converted = MariaDbValues.convert(kind, value, charset, options, length);
            return kind.type() == ColumnType.TIMESTAMP && "1970-01-01T00:00".equals(converted) ? NO_CONSTANT_DEFAULT : converted;
        } catch (RuntimeException e) {
            if (kind.type() == ColumnType.TIMESTAMP || kind.type() == ColumnType.TIMESTAMPTZ) {
                return NO_CONSTANT_DEFAULT;
            }
            throw e;
        }
    }

    /**
     * The schema default of a date-time column whose default the server computes: no follower
     * gets it, for it is no constant ({@code ConnectTables} reads no timestamp from it and gives
     * the column no default). Only the schema carries it; no value is ever this.
     */
    static final String NO_CONSTANT_DEFAULT = "CURRENT_TIMESTAMP";

    /** The Java charset of a text column's MariaDB character set; capture refuses one it cannot decode exactly. */
    private static Charset charset(RelationalColumn column, String where) {
        String name = column.charsetName(); // a column without one of its own has its table's (Debezium's DDL parser sets it)
        Charset charset = MariaDbCharsets.of(name);
        if (charset == null) {
            throw new UnrepresentableValueException(where + " uses the character set '" + name + "', which Tailwater cannot decode"
                    + " exactly (it reads " + MariaDbCharsets.SUPPORTED + "). Convert the column on the leader (ALTER TABLE ... MODIFY ..."
                    + " CHARACTER SET utf8mb4), or leave it out with leader.debezium.column.exclude.list, then restart capture");
        }
        return charset;
    }

    /** Bytes of a fixed-length BINARY(n) value as the leader holds them: the binlog leaves out trailing zero bytes. */
    static byte[] padded(byte[] b, int length) {
        return b.length < length ? Arrays.copyOf(b, length) : b;
    }

    /** An unsigned value the binlog gave as the signed integer of the same bits. */
    static Object unsigned(long v, int bits) {
        if (v >= 0) {
            return v;
        }
        if (bits == 64) {
            return new BigInteger(Long.toUnsignedString(v));
        }
        return v + (1L << bits);
    }

    static String plain(Object v) {
        if (v instanceof BigDecimal d) {
            return d.toPlainString();
        }
        if (v instanceof BigInteger i) {
            return i.toString();
        }
        return new BigDecimal(v.toString()).toPlainString();
    }
}
