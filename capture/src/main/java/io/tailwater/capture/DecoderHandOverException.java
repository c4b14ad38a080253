package io.tailwater.capture;

/**
 * Why capture with Tailwater's own pgoutput reader stopped at a leader transaction boundary: a
 * new table needs a snapshot, which Debezium takes. A supervised capture starts again at once,
 * with Debezium; nothing is lost or repeated, for the log ends at a complete leader transaction.
 */
public final class DecoderHandOverException extends RuntimeException {
    public DecoderHandOverException(String message) {
        super(message);
    }
}
