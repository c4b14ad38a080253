package io.tailwater.config;

/** What reads a PostgreSQL leader's changes once capture streams ({@code leader.decoder}). */
public enum StreamingDecoder {
    /** Debezium's PostgreSQL connector, for streaming as for the snapshot. */
    DEBEZIUM,
    /**
     * Tailwater's own pgoutput reader ({@code capture.postgres}) whenever capture resumes from the
     * log; Debezium still takes snapshots, including those of tables that join the stream later.
     */
    TAILWATER
}
