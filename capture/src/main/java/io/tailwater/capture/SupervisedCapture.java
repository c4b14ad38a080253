package io.tailwater.capture;

import io.micrometer.core.instrument.MeterRegistry;
import io.tailwater.config.StreamConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Capture that starts again when it loses its leader connection, as a supervisor would: a
 * restart or crash of the leader, or the promotion of its standby (a leader URL that lists both
 * then leads capture to the new primary). Each start checks the log and the slot again, so a
 * start never goes on past a gap. Any other failure (a gap, a fence, a schema change capture
 * cannot log) stops it, with that failure. Runs until closed.
 */
public final class SupervisedCapture implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SupervisedCapture.class);
    /** SQL states of a lost or refused connection: class 08, and the server's shutdown and start-up (57P01 to 57P03). */
    private static final Set<String> CONNECTION_LOST = Set.of("57P01", "57P02", "57P03");
    /** A protocol violation is in class 08 too, but is a bug, not an outage: it is not ridden out. */
    private static final String PROTOCOL_VIOLATION = "08P01";
    /** A capture that ran this long before it lost its leader starts again at once; one that failed sooner backs off further. */
    private static final Duration STEADY = Duration.ofSeconds(60);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

    private final StreamConfig config;
    private final Duration startupTimeout;
    private final MeterRegistry registry;
    private final AtomicReference<Capture> current = new AtomicReference<>();
    private volatile boolean closed;

    public SupervisedCapture(StreamConfig config, Duration startupTimeout, MeterRegistry registry) {
        this.config = config;
        this.startupTimeout = startupTimeout;
        this.registry = registry;
    }

    /**
     * Runs until closed (empty), or until capture fails other than by losing its leader connection
     * (that failure). A failure of the first start is thrown, as {@link Capture#start()} throws it.
     */
    public Optional<Throwable> run() throws InterruptedException {
        long backoff = 500;
        boolean lost = false;
        boolean startedOnce = false;
        while (!closed) {
            Capture c = new Capture(config, startupTimeout, registry);
            current.set(c);
            if (closed) {
                c.close(); // closed while this capture was made: close() did not see it
                break;
            }
            Throwable failure;
            long started = System.nanoTime();
            try {
                c.start();
                startedOnce = true;
                if (lost) {
                    LOG.info("Stream '{}': capture runs again after losing its leader connection", config.stream());
                    lost = false;
                }
                failure = c.awaitTermination().orElse(null);
                if (System.nanoTime() - started > STEADY.toNanos()) {
                    backoff = 500;
                }
            } catch (RuntimeException e) {
                if (!startedOnce) {
                    c.close();
                    throw e; // the first start: a wrong URL or password is the operator's to mend, not to wait out
                }
                failure = e;
            }
            c.close();
            if (closed || failure == null) {
                break;
            }
            if (!connectionLost(failure)) {
                return Optional.of(failure);
            }
            if (!lost) {
                LOG.warn("Stream '{}': capture lost its leader connection ({}); starting it again until the leader answers",
                        config.stream(), failure.getMessage());
                lost = true;
            }
            Thread.sleep(backoff); // between attempts: each start already waits up to its timeout for the leader
            backoff = Math.min(backoff * 2, MAX_BACKOFF.toMillis());
        }
        return Optional.empty();
    }

    /** Whether {@code failure} is a lost or refused connection to the leader, somewhere in its causes. */
    public static boolean connectionLost(Throwable failure) {
        if (failure instanceof CaptureFencedException) {
            return false;
        }
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException e && e.getSQLState() != null && !e.getSQLState().equals(PROTOCOL_VIOLATION)
                    && (e.getSQLState().startsWith("08") || CONNECTION_LOST.contains(e.getSQLState()))) {
                return true;
            }
        }
        return false;
    }

    /** The capture running now, if any. */
    public Optional<Capture> current() {
        return Optional.ofNullable(current.get());
    }

    @Override
    public void close() {
        closed = true;
        Capture c = current.get();
        if (c != null) {
            c.close();
        }
    }
}
