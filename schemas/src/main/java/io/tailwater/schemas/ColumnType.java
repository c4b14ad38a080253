package io.tailwater.schemas;

/**
 * The kind of value a column holds, independent of any database. Each kind has one Java
 * representation, used everywhere between decoding and binding:
 * <ul>
 *   <li>{@link #BOOLEAN} Boolean; {@link #INT16}, {@link #INT32} Integer; {@link #INT64} Long;
 *       {@link #FLOAT32} Float; {@link #FLOAT64} Double</li>
 *   <li>{@link #DECIMAL} BigDecimal with the column's fixed scale; {@link #NUMERIC} BigDecimal of any scale</li>
 *   <li>{@link #STRING}, {@link #JSON}, {@link #INTERVAL} String (interval as ISO-8601); {@link #BYTES} byte[]</li>
 *   <li>{@link #ARRAY} String: a leader array of any dimension as nested JSON arrays (see {@link JsonArrays})</li>
 *   <li>{@link #DATE} LocalDate; {@link #TIME} LocalTime; {@link #TIMESTAMP} LocalDateTime;
 *       {@link #TIMESTAMPTZ} Instant; {@link #UUID} java.util.UUID</li>
 *   <li>{@link #LEADER_TEXT} String: a leader type without a portable kind (network addresses,
 *       ranges, geometry, bit strings, xml, composites, extension types...), in the leader's own
 *       text form; a follower of the leader's kind creates the leader's type, others store text</li>
 * </ul>
 * Decimals, dates, times and timestamps may also be a {@link Special} (NaN, infinity, 24:00:00),
 * and any column of an update may be {@link Unchanged#VALUE}. Temporal values keep microseconds,
 * in the proleptic Gregorian calendar, independent of any time zone.
 */
public enum ColumnType {
    BOOLEAN, INT16, INT32, INT64, FLOAT32, FLOAT64, DECIMAL, NUMERIC,
    STRING, JSON, INTERVAL, ARRAY, BYTES, DATE, TIME, TIMESTAMP, TIMESTAMPTZ, UUID, LEADER_TEXT
}
