package io.tailwater.schemas.event;

/** Kafka header names on replication-log records. */
public final class LogHeaders {
    /** The record kind: {@code row}, {@code tx-end}, {@code truncate}, {@code heartbeat}. */
    public static final String KIND = "tw.kind";
    /** The table, {@code schema.table}, on row and truncate records. */
    public static final String TABLE = "tw.table";

    private LogHeaders() {
    }
}
