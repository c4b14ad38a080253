package io.tailwater.schemas.event;

/**
 * Closes a leader transaction: every row record since the previous transaction end belongs to it.
 * For the initial snapshot, closes one chunk of snapshot rows.
 *
 * @param txId the leader transaction id (as text; "snapshot" for snapshot chunks)
 * @param source the commit position
 * @param eventCount how many row records the transaction has in the log
 * @param sourceOffset the Debezium source offset after this transaction, as JSON; capture resumes from it
 */
public record TransactionEnd(String txId, SourcePosition source, long eventCount, String sourceOffset)
        implements LogEvent {

    @Override
    public Kind kind() {
        return Kind.TX_END;
    }
}
