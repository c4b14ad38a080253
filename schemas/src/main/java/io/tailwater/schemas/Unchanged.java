package io.tailwater.schemas;

/**
 * Stands for a column whose value an update did not change and the leader did not send (an
 * unchanged TOASTed value in PostgreSQL). Followers keep what they hold for it. It is never a
 * value: the log lists such columns in the row envelope's {@code unchanged} field.
 */
public final class Unchanged {
    /** The one marker; compared by identity. */
    public static final Unchanged VALUE = new Unchanged();

    private Unchanged() {
    }

    /** Whether a row image holds the marker anywhere. */
    public static boolean in(Object[] row) {
        if (row != null) {
            for (Object v : row) {
                if (v == VALUE) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "(unchanged)";
    }
}
