package io.tailwater.schemas.event;

/**
 * One record of the replication log. The log holds row changes, and control records that
 * frame and annotate them: a {@link TransactionEnd} after the last row of each leader transaction,
 * {@link Truncate}, {@link Heartbeat} and {@link LeaderChange}.
 */
public sealed interface LogEvent permits RowChange, TransactionEnd, Truncate, Heartbeat, LeaderChange {

    /** The kind, as carried in the {@link LogHeaders#KIND} header so routing needs no decoding. */
    Kind kind();

    /** The kinds of log record. */
    enum Kind {
        ROW("row"), TX_END("tx-end"), TRUNCATE("truncate"), HEARTBEAT("heartbeat"), LEADER_CHANGE("leader-change");

        private final String header;
        private final byte[] headerBytes;

        Kind(String header) {
            this.header = header;
            this.headerBytes = header.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }

        public String header() {
            return header;
        }

        /** The header value, encoded once; shared, so never modify it. */
        public byte[] headerBytes() {
            return headerBytes;
        }
    }
}
