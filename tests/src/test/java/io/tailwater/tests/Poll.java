package io.tailwater.tests;

import java.time.Duration;
import java.util.function.Predicate;

/**
 * Waits in tests for a condition, never for a time: reads a value every {@code every} until it
 * satisfies the condition or {@code timeout} passes. The period only paces the reads.
 */
public final class Poll {
    private Poll() {
    }

    /** A value read afresh on each try. */
    @FunctionalInterface
    public interface Read<T> {
        T get() throws Exception;
    }

    /** Returns the first value that satisfies {@code done}, or the last one read when {@code timeout} passed first. */
    public static <T> T until(Duration timeout, Duration every, Read<T> read, Predicate<T> done) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        T value = read.get();
        while (!done.test(value) && System.nanoTime() < deadline) {
            Thread.sleep(every.toMillis()); // not a wait for time: the condition is done.test(value), checked after each read; this spaces the reads
            value = read.get();
        }
        return value;
    }
}
