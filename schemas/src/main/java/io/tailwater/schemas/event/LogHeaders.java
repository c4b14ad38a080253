package io.tailwater.schemas.event;

/** Kafka header names on replication-log records. */
public final class LogHeaders {
    /** The record kind: {@code row}, {@code tx-end}, {@code truncate}, {@code heartbeat}, {@code leader-change}. */
    public static final String KIND = "tw.kind";
    /** The table, {@code schema.table}, on row and truncate records. */
    public static final String TABLE = "tw.table";
    /**
     * On transaction-end and heartbeat records: how many bytes of record values the log holds up
     * to and including this record, as decimal text. The difference between two of them is a lag
     * in bytes.
     */
    public static final String LOG_BYTES = "tw.log-bytes";
    /**
     * On transaction-end and heartbeat records: the leader time they stand for (commit time, or the
     * heartbeat's time), microseconds since the epoch, as decimal text.
     */
    public static final String COMMIT_MICROS = "tw.commit-us";

    /**
     * On transaction-end and heartbeat records of an epoch after the first: the log offset of the
     * {@link LeaderChange} that started the epoch, as decimal text, so the leader is found without
     * reading the log back to it.
     */
    public static final String LEADER_CHANGE = "tw.leader-change";

    /** A numeric header's value (like {@link #LOG_BYTES}), or -1 when the record has none. */
    public static long number(org.apache.kafka.common.header.Headers headers, String name) {
        org.apache.kafka.common.header.Header h = headers.lastHeader(name);
        if (h == null) {
            return -1;
        }
        try {
            return Long.parseLong(new String(h.value(), java.nio.charset.StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Whether the record is of the given kind. */
    public static boolean isKind(org.apache.kafka.common.header.Headers headers, LogEvent.Kind kind) {
        org.apache.kafka.common.header.Header h = headers.lastHeader(KIND);
        return h != null && java.util.Arrays.equals(h.value(), kind.headerBytes());
    }

    private LogHeaders() {
    }
}
