package io.tailwater.benchmark;

import java.time.Duration;

/**
 * How a run went: the time from its start command to the first row arriving, and then the
 * rate of rows until the last one.
 */
public record Timing(double startupSeconds, double rowsPerSecond) {
    /** Reads how many rows have arrived so far; may block briefly. */
    interface Progress {
        long rows() throws Exception;
    }

    /** Polls {@code progress} until it reaches {@code rows}; the clock started at {@code t0}. */
    static Timing measure(long t0, long rows, Progress progress) throws Exception {
        long deadline = t0 + Duration.ofMinutes(10).toNanos();
        long firstNanos = 0;
        long firstRows = 0;
        while (true) {
            long n = progress.rows();
            long now = System.nanoTime();
            if (n > 0 && firstNanos == 0) {
                firstNanos = now;
                firstRows = n;
            }
            if (n >= rows) {
                double rate = n == firstRows ? Double.NaN : (rows - firstRows) / ((now - firstNanos) / 1e9);
                return new Timing((firstNanos - t0) / 1e9, rate);
            }
            if (now > deadline) {
                throw new IllegalStateException("only " + n + " of " + rows + " rows arrived within 10 minutes");
            }
            Thread.sleep(2);
        }
    }

    /** The ratio of this rate to {@code other}'s. */
    double over(Timing other) {
        return rowsPerSecond / other.rowsPerSecond;
    }

    @Override
    public String toString() {
        return String.format("%,9.0f rows/s (start %.1f s)", rowsPerSecond, startupSeconds);
    }
}
