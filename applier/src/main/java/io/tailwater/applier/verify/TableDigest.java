package io.tailwater.applier.verify;

/**
 * A table's content in two numbers: its row count, and an order-independent checksum of its
 * rows' canonical values. Two tables with equal digests hold the same rows, whatever engines
 * hold them.
 */
public record TableDigest(long rows, long checksum) {
    @Override
    public String toString() {
        return rows + " rows, checksum " + Long.toHexString(checksum);
    }
}
