package io.tailwater.log;

import java.time.Duration;
import java.time.Instant;

/** How long this process has been running: capture and appliers log it when their first changes go through. */
public final class ProcessUptime {
    private static final Instant START = ProcessHandle.current().info().startInstant().orElse(Instant.now());

    private ProcessUptime() {
    }

    /** Milliseconds since the operating system started this process. */
    public static long millis() {
        return Duration.between(START, Instant.now()).toMillis();
    }
}
