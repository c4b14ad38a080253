package io.tailwater.capture.postgres;

import io.tailwater.capture.UnrepresentableValueException;
import io.tailwater.schemas.pg.PgKinds;

import io.debezium.connector.postgresql.PostgresValueConverter;
import io.debezium.connector.postgresql.UnchangedToastedReplicationMessageColumn;
import io.debezium.data.SpecialValueDecimal;
import io.debezium.spi.converter.CustomConverter;
import io.debezium.spi.converter.RelationalColumn;
import io.tailwater.schemas.Column;
import io.tailwater.schemas.ColumnType;
import io.tailwater.schemas.Special;
import io.tailwater.schemas.Unchanged;
import io.tailwater.schemas.ValueText;
import io.tailwater.schemas.connect.ConnectTables;
import io.tailwater.schemas.pg.PgArrays;
import io.tailwater.schemas.pg.PgText;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.postgresql.geometric.PGbox;
import org.postgresql.geometric.PGcircle;
import org.postgresql.geometric.PGline;
import org.postgresql.geometric.PGlseg;
import org.postgresql.geometric.PGpath;
import org.postgresql.geometric.PGpoint;
import org.postgresql.geometric.PGpolygon;
import org.postgresql.util.PGInterval;
import org.postgresql.util.PGobject;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Properties;

/**
 * Capture's own conversion of every PostgreSQL column, in place of Debezium's: each value is
 * handed on exactly, as {@link ConnectTables} expects it (booleans, integers and floats as
 * themselves, bytes as bytes, everything else as exact {@link ValueText}). It reads the two forms
 * Debezium gives it: PostgreSQL's text output (the initial snapshot selects every column as text,
 * see {@link PgSnapshotQuery}) and the values Debezium decodes from pgoutput's text while
 * streaming. Nothing goes through {@code java.sql} date types, the JVM's time zone or the Julian
 * calendar. An unchanged TOASTed value becomes {@link ConnectTables#UNCHANGED_TEXT} (or
 * {@code UNCHANGED_BYTES}), never a placeholder text. A value it cannot carry stops capture,
 * naming the table, the column, the value's kind and the way forward.
 */
public final class PgValueConverter implements CustomConverter<SchemaBuilder, RelationalColumn> {
    /** The converter setting naming the stream whose {@link PgTypeCatalog} to use. */
    public static final String STREAM = "stream";

    private PgTypeCatalog catalog;

    @Override
    public void configure(Properties props) {
        catalog = PgTypeCatalog.of(props.getProperty(STREAM));
    }

    @Override
    public void converterFor(RelationalColumn column, ConverterRegistration<SchemaBuilder> registration) {
        String typeName = PgKinds.unalias(column.typeName().toLowerCase(Locale.ROOT).replace("\"", ""));
        PgTypeCatalog.TypeInfo info = catalog.type(typeName);
        String valueType = info.valueTypeName();
        ColumnType kind = PgKinds.of(valueType, column.length().orElse(-1), info.kind() == 'e');
        SchemaBuilder schema = ConnectTables.fieldSchema(kind, valueType);
        if (column.isOptional()) {
            schema.optional();
        }
        String where = where(column.name(), column.dataCollection().toString(), column.typeName());
        boolean required = !column.isOptional();
        registration.register(schema, value -> {
            if (value == null && required) {
                return emptyOf(kind); // a column the leader left out of a delete's old row (only its key is sent)
            }
            try {
                return convert(kind, valueType, value);
            } catch (RuntimeException | SQLException e) {
                throw unrepresentable(where, e);
            }
        });
    }

    /** How a refusal names a column: {@code column "c" of table s.t (type)}. */
    static String where(String column, String table, String type) {
        return "column \"" + column.replace("\"", "\"\"") + "\" of table " + table + " (" + type + ")";
    }

    /** The refusal of a value that cannot be carried exactly, naming the column ({@link #where}). */
    static UnrepresentableValueException unrepresentable(String where, Exception e) {
        return unrepresentable(where, e, "leader.debezium.column.exclude.list");
    }

    /** As {@link #unrepresentable(String, Exception)}, naming {@code leaveOut} as the way to leave the column out. */
    static UnrepresentableValueException unrepresentable(String where, Exception e, String leaveOut) {
        return new UnrepresentableValueException(where + " holds a value Tailwater cannot carry exactly: " + e.getMessage()
                + ". Capture stopped; nothing after the last complete leader transaction was written to the log. Change the"
                + " value on the leader, or leave the column out with " + leaveOut + ", then restart capture");
    }

    /**
     * A column's value in the log from pgoutput's text of it, as capture logs it when Debezium
     * reads the same change: null for NULL (an empty value for a NOT NULL column a delete's key
     * image left out), {@link Unchanged#VALUE} for an unchanged TOASTed value not sent.
     *
     * @param valueType the leader type the value is of, in lower case (a domain's base type)
     */
    static Object streamedValue(Column column, String valueType, String text) throws SQLException {
        if (text == null) {
            return column.optional() ? null : ConnectTables.value(column, emptyOf(column.type()));
        }
        if (text == PgOutputMessages.UNCHANGED) {
            return switch (column.type()) {
                case BOOLEAN, INT16, INT32, INT64, FLOAT32, FLOAT64 -> throw new IllegalArgumentException("an unchanged value was not sent");
                default -> Unchanged.VALUE;
            };
        }
        return ConnectTables.value(column, convert(column.type(), valueType, text));
    }

    /**
     * What a NOT NULL column holds in a row image the leader sent without it: a delete's old row
     * carries only the key. Such images serve only to find the row by its key; followers never
     * write these values.
     */
    private static Object emptyOf(ColumnType kind) {
        return switch (kind) {
            case BOOLEAN -> false;
            case INT16, INT32 -> 0;
            case INT64 -> 0L;
            case FLOAT32 -> 0f;
            case FLOAT64 -> 0d;
            case BYTES -> new byte[0];
            case DECIMAL, NUMERIC -> "0";
            case DATE -> "1970-01-01";
            case TIME -> "00:00";
            case TIMESTAMP -> "1970-01-01T00:00";
            case TIMESTAMPTZ -> "1970-01-01T00:00:00Z";
            case UUID -> "00000000-0000-0000-0000-000000000000";
            case ARRAY -> "[]";
            default -> "";
        };
    }

    /**
     * A column's value in the log from PostgreSQL's text output of it (a key a slot holds, say):
     * the value capture logs for the same text.
     */
    public static Object logValue(Column column, String text) throws SQLException {
        return ConnectTables.value(column, convert(column.type(), column.sourceTypeName().toLowerCase(Locale.ROOT), text));
    }

    static Object convert(ColumnType kind, String type, Object v) throws SQLException {
        if (v == null) {
            return null;
        }
        if (UnchangedToastedReplicationMessageColumn.isUnchangedToastedValue(v)) {
            return switch (kind) {
                case BYTES -> ConnectTables.UNCHANGED_BYTES;
                case BOOLEAN, INT16, INT32, INT64, FLOAT32, FLOAT64 -> throw new IllegalArgumentException("an unchanged value was not sent");
                default -> ConnectTables.UNCHANGED_TEXT;
            };
        }
        return switch (kind) {
            case BOOLEAN -> v instanceof Boolean b ? b : switch (v.toString()) {
                case "t", "true" -> true;
                case "f", "false" -> false;
                default -> throw unexpected(v);
            };
            case INT16, INT32 -> v instanceof Number n ? n.intValue() : Integer.parseInt(v.toString());
            case INT64 -> v instanceof Number n ? n.longValue() : Long.parseLong(v.toString());
            case FLOAT32 -> v instanceof Number n ? n.floatValue() : Float.parseFloat(v.toString());
            case FLOAT64 -> v instanceof Number n ? n.doubleValue() : Double.parseDouble(v.toString());
            case DECIMAL, NUMERIC -> decimal(type, v);
            case BYTES -> v instanceof byte[] b ? b : bytea(text(v));
            case DATE -> date(v);
            case TIME -> v instanceof LocalTime t ? t.toString() : time(text(v));
            case TIMESTAMP -> timestamp(v);
            case TIMESTAMPTZ -> timestamptz(v);
            case INTERVAL -> interval(v instanceof PGInterval i ? i : new PGInterval(text(v)));
            case ARRAY -> PgArrays.toJson(type, v instanceof Array a ? a.toString() : text(v));
            case STRING, JSON, UUID -> text(v);
            case LEADER_TEXT -> leaderText(type, v);
        };
    }

    private static String decimal(String type, Object v) {
        if (v instanceof SpecialValueDecimal s) {
            if (s.getDecimalValue().isPresent()) {
                return s.getDecimalValue().get().toPlainString();
            }
            double d = s.toDouble();
            return (Double.isNaN(d) ? Special.NAN : d > 0 ? Special.INFINITY : Special.NEGATIVE_INFINITY).text();
        }
        if (v instanceof BigDecimal d) {
            return d.toPlainString();
        }
        String s = text(v);
        if (Special.of(ColumnType.NUMERIC, s) != null) {
            return s;
        }
        return (type.equals("money") ? PgText.money(s) : new BigDecimal(s)).toPlainString();
    }

    private static String date(Object v) {
        if (v instanceof LocalDate d) {
            return d.equals(PostgresValueConverter.POSITIVE_INFINITY_LOCAL_DATE) ? Special.DATE_INFINITY.text()
                    : d.equals(PostgresValueConverter.NEGATIVE_INFINITY_LOCAL_DATE) ? Special.DATE_NEGATIVE_INFINITY.text() : d.toString();
        }
        String s = text(v);
        return Special.of(ColumnType.DATE, s) != null ? s : isIso(s) ? LocalDate.parse(s).toString() : PgText.date(s).toString();
    }

    private static String time(String s) {
        return Special.of(ColumnType.TIME, s) != null ? Special.END_OF_DAY.text() : PgText.time(s).toString(); // ISO and PostgreSQL agree
    }

    private static String timestamp(Object v) {
        if (v instanceof Instant i) {
            return i.equals(PostgresValueConverter.POSITIVE_INFINITY_INSTANT) ? Special.DATE_INFINITY.text()
                    : i.equals(PostgresValueConverter.NEGATIVE_INFINITY_INSTANT) ? Special.DATE_NEGATIVE_INFINITY.text()
                    : LocalDateTime.ofInstant(i, ZoneOffset.UTC).toString(); // Debezium reads a timestamp's text as if at UTC
        }
        if (v instanceof LocalDateTime t) {
            return t.toString();
        }
        String s = text(v);
        return Special.of(ColumnType.TIMESTAMP, s) != null ? s : isIso(s) ? LocalDateTime.parse(s).toString() : PgText.timestamp(s).toString();
    }

    private static String timestamptz(Object v) {
        if (v instanceof OffsetDateTime t) {
            return t.equals(PostgresValueConverter.POSITIVE_INFINITY_OFFSET_DATE_TIME) ? Special.DATE_INFINITY.text()
                    : t.equals(PostgresValueConverter.NEGATIVE_INFINITY_OFFSET_DATE_TIME) ? Special.DATE_NEGATIVE_INFINITY.text()
                    : t.toInstant().toString();
        }
        if (v instanceof Instant i) {
            return i.toString();
        }
        String s = text(v);
        return Special.of(ColumnType.TIMESTAMPTZ, s) != null ? s : isIso(s) ? OffsetDateTime.parse(s).toInstant().toString()
                : PgText.timestamptz(s).toString();
    }

    /** Whether a temporal text is ISO-8601 ({@code 2024-01-31T13:45:00Z}), as Debezium gives column defaults, rather than PostgreSQL's. */
    private static boolean isIso(String s) {
        return s.indexOf('T') > 0;
    }

    private static String interval(PGInterval i) {
        BigDecimal seconds = BigDecimal.valueOf(i.getWholeSeconds()).add(BigDecimal.valueOf(i.getMicroSeconds(), 6));
        return ValueText.interval(i.getYears(), i.getMonths(), i.getDays(), i.getHours(), i.getMinutes(), seconds);
    }

    private static String leaderText(String type, Object v) throws SQLException {
        return switch (type) {
            case "timetz" -> v instanceof OffsetTime t ? PgText.timetz(t) : PgText.timetzAtUtc(text(v));
            case "tstzrange", "tstzmultirange" -> PgText.timestamptzsAtUtc(text(v));
            case "point" -> (v instanceof PGpoint p ? p : new PGpoint(text(v))).getValue();
            case "line" -> (v instanceof PGline p ? p : new PGline(text(v))).getValue();
            case "lseg" -> (v instanceof PGlseg p ? p : new PGlseg(text(v))).getValue();
            case "box" -> (v instanceof PGbox p ? p : new PGbox(text(v))).getValue();
            case "path" -> (v instanceof PGpath p ? p : new PGpath(text(v))).getValue();
            case "polygon" -> (v instanceof PGpolygon p ? p : new PGpolygon(text(v))).getValue();
            case "circle" -> (v instanceof PGcircle p ? p : new PGcircle(text(v))).getValue();
            default -> text(v);
        };
    }

    private static byte[] bytea(String s) {
        if (!s.startsWith("\\x")) {
            throw new IllegalArgumentException("bytea text is not in hex form (set bytea_output = 'hex' on the leader)");
        }
        return HexFormat.of().parseHex(s, 2, s.length());
    }

    /** The text of a value that PostgreSQL or Debezium gave as text. */
    private static String text(Object v) {
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof PGobject o) {
            return o.getValue();
        }
        throw unexpected(v);
    }

    private static IllegalArgumentException unexpected(Object v) {
        return new IllegalArgumentException("Debezium handed over a " + v.getClass().getSimpleName() + " where text was expected");
    }
}
