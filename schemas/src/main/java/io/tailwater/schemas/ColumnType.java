package io.tailwater.schemas;

/**
 * The kind of value a column holds, independent of any database. Each kind has one Java
 * representation, used everywhere between decoding and binding:
 * <ul>
 *   <li>{@link #BOOLEAN} Boolean; {@link #INT16}, {@link #INT32} Integer; {@link #INT64} Long;
 *       {@link #FLOAT32} Float; {@link #FLOAT64} Double</li>
 *   <li>{@link #DECIMAL} BigDecimal with the column's fixed scale; {@link #NUMERIC} BigDecimal of any scale</li>
 *   <li>{@link #STRING}, {@link #JSON}, {@link #INTERVAL} String (interval as ISO-8601); {@link #BYTES} byte[]</li>
 *   <li>{@link #ARRAY} String: a one-dimensional leader array as JSON text (see {@link JsonArrays})</li>
 *   <li>{@link #DATE} LocalDate; {@link #TIME} LocalTime; {@link #TIMESTAMP} LocalDateTime;
 *       {@link #TIMESTAMPTZ} Instant; {@link #UUID} java.util.UUID</li>
 * </ul>
 * Temporal values keep microseconds.
 */
public enum ColumnType {
    BOOLEAN, INT16, INT32, INT64, FLOAT32, FLOAT64, DECIMAL, NUMERIC,
    STRING, JSON, INTERVAL, ARRAY, BYTES, DATE, TIME, TIMESTAMP, TIMESTAMPTZ, UUID
}
