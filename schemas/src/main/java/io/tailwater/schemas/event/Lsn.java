package io.tailwater.schemas.event;

/**
 * PostgreSQL log sequence numbers in their text form, {@code 16/B374D848}: the high and low 32
 * bits in hexadecimal, as {@code pg_current_wal_lsn()} prints them.
 */
public final class Lsn {
    private Lsn() {
    }

    /** The text form of {@code lsn}. */
    public static String format(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
    }

    /**
     * Parses {@code 16/B374D848}, or a plain decimal number.
     *
     * @throws IllegalArgumentException naming the text when it is neither
     */
    public static long parse(String text) {
        String t = text.trim();
        try {
            int slash = t.indexOf('/');
            if (slash < 0) {
                return Long.parseLong(t);
            }
            long high = Long.parseLong(t.substring(0, slash), 16);
            long low = Long.parseLong(t.substring(slash + 1), 16);
            if (high > 0xFFFFFFFFL || low > 0xFFFFFFFFL || high < 0 || low < 0) {
                throw new NumberFormatException();
            }
            return high << 32 | low;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a PostgreSQL LSN; write it as pg_current_wal_lsn() prints it,"
                    + " for example 0/16B3748");
        }
    }
}
