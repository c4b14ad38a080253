package io.tailwater.capture;

/**
 * Why Tailwater's own pgoutput reader stopped at a leader transaction boundary: a new table
 * needs a snapshot, which Debezium takes. Capture then starts Debezium where the log ends;
 * nothing is lost or repeated, for the log ends at a complete leader transaction.
 */
final class DecoderHandOverException extends RuntimeException {
    DecoderHandOverException(String message) {
        super(message);
    }
}
