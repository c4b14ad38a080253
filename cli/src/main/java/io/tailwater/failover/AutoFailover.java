package io.tailwater.failover;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tailwater.applier.jdbc.AppliedPosition;
import io.tailwater.capture.Capture;
import io.tailwater.capture.CaptureFencedException;
import io.tailwater.capture.SupervisedCapture;
import io.tailwater.capture.LeaderWrites;
import io.tailwater.config.FailoverConfig;
import io.tailwater.config.FollowerConfig;
import io.tailwater.config.StreamConfig;
import io.tailwater.log.KafkaClients;
import io.tailwater.log.LogRange;
import io.tailwater.log.LogTopics;
import io.tailwater.log.StreamLeader;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Capture with automatic failover (the config's {@code failover:} section): runs capture, looks
 * at the leader once a second, and when the leader has not answered for longer than
 * {@code leader-timeout}, promotes the most advanced candidate that answers, by the same code as
 * {@code promote}; then runs capture again, on the new leader. No automatic failover happens
 * within {@code min-interval} of a leader change. A capture that stops while the leader answers
 * stops this too, with its failure, as plain capture would, unless it lost its leader connection
 * (see {@link SupervisedCapture}): then it runs again.
 */
public final class AutoFailover implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AutoFailover.class);
    private static final Duration LOOK = Duration.ofSeconds(1);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final Duration CATCH_UP = Duration.ofMinutes(5);

    private final StreamConfig config;
    private final FailoverConfig failover;
    private final Duration startupTimeout;
    private final MeterRegistry registry;
    private final Clock clock;
    private final AtomicReference<Capture> capture = new AtomicReference<>();
    private final Counter failovers;
    private final Counter heldBack;
    private volatile boolean closed;

    public AutoFailover(StreamConfig config, Duration startupTimeout, MeterRegistry registry) {
        this.config = config;
        this.failover = config.failover();
        this.startupTimeout = startupTimeout;
        this.registry = registry;
        this.clock = Clock.systemUTC();
        this.failovers = Counter.builder("tailwater.failover.promotions").description("Automatic failovers that promoted a candidate")
                .tag("stream", config.stream()).register(registry);
        this.heldBack = Counter.builder("tailwater.failover.held.back")
                .description("Automatic failovers held back: the leader was down, but changed less than failover.min-interval ago")
                .tag("stream", config.stream()).register(registry);
        if (!failover.enabled()) {
            throw new IllegalArgumentException("stream '" + config.stream() + "' has no failover section");
        }
    }

    /** Runs until closed (empty), or until capture fails while the leader answers (that failure). */
    public Optional<Throwable> run() throws InterruptedException {
        LogTopics.ensure(config, startupTimeout); // the leader is read from the log before capture first starts
        while (!closed) {
            CurrentLeader leader = readLeader();
            if (leader == null) {
                continue; // Kafka or the registry does not answer: capture could not run either
            }
            Capture c = new Capture(config, startupTimeout, registry);
            capture.set(c);
            if (closed) {
                c.close(); // closed while this capture was made: close() did not see it
                break;
            }
            Throwable startFailure = null;
            try {
                c.start();
            } catch (RuntimeException e) {
                startFailure = e;
            }
            Optional<Throwable> stop = watch(c, leader, startFailure);
            c.close();
            if (stop.isPresent()) {
                return stop;
            }
        }
        return Optional.empty();
    }

    /** The leader the log names, or null (after a pause) when Kafka or the registry does not answer. */
    private CurrentLeader readLeader() throws InterruptedException {
        try {
            return CurrentLeader.read(config, TIMEOUT);
        } catch (RuntimeException e) {
            LOG.warn("Stream '{}': cannot read the leader from the log: {}; trying again", config.stream(), e.getMessage());
            Thread.sleep(LOOK.toMillis());
            return null;
        }
    }

    /**
     * Watches one capture and its leader. Returns empty to run capture again (the leader changed
     * or answers again), or the failure to stop with.
     */
    private Optional<Throwable> watch(Capture c, CurrentLeader leader, Throwable startFailure) throws InterruptedException {
        Instant downSince = null;
        while (!closed) {
            boolean ended = startFailure != null || c.awaitTerminationWithin(LOOK);
            if (closed) {
                break;
            }
            Optional<Throwable> failure = startFailure != null ? Optional.of(startFailure) : c.failure();
            if (LeaderWrites.reachable(leader.database(), TIMEOUT)) {
                if (downSince != null) {
                    LOG.info("Stream '{}': the leader '{}' answers again", config.stream(), leader.name());
                    return Optional.empty();
                }
                if (!ended) {
                    continue;
                }
                if (failure.isPresent() && SupervisedCapture.connectionLost(failure.get())) {
                    Thread.sleep(LOOK.toMillis()); // a leader in crash recovery answers, but refuses connections: not in a tight loop
                    return Optional.empty(); // it lost the leader, which answers again (restarted, or its standby promoted)
                }
                CurrentLeader now = readLeader();
                if (failure.orElse(null) instanceof CaptureFencedException && (now == null || now.leader().epoch() != leader.leader().epoch())) {
                    return Optional.empty(); // a promote: capture goes on from the new leader
                }
                return Optional.of(failure.orElse(new IllegalStateException("capture stopped")));
            }
            Instant now = clock.instant();
            if (downSince == null) {
                downSince = now;
                LOG.warn("Stream '{}': the leader '{}' does not answer; automatic failover in {}s unless it does", config.stream(),
                        leader.name(), failover.leaderTimeout().toSeconds());
            }
            Duration down = Duration.between(downSince, now);
            // A capture still running reads the leader over its own connection: only one stuck that long is passed over.
            if (down.compareTo(failover.leaderTimeout()) < 0 || (!ended && down.compareTo(failover.leaderTimeout().multipliedBy(2)) < 0)) {
                if (ended) {
                    Thread.sleep(LOOK.toMillis()); // capture is down with its leader: look again in a second
                }
                continue;
            }
            switch (failOver(leader)) {
                case DONE -> {
                    return Optional.empty();
                }
                case HELD_BACK, NO_CANDIDATE -> downSince = now; // wait a whole timeout again before the next try
            }
        }
        return Optional.empty();
    }

    private enum Outcome { DONE, HELD_BACK, NO_CANDIDATE }

    /** Promotes the most advanced candidate that can be, unless held back; DONE also when another promote changed the leader. */
    private Outcome failOver(CurrentLeader leader) throws InterruptedException {
        CurrentLeader now = readLeader();
        if (now == null) {
            return Outcome.NO_CANDIDATE; // no promote can run without the log either
        }
        if (now.leader().epoch() != leader.leader().epoch()) {
            return Outcome.DONE;
        }
        Optional<Instant> lastChange;
        try {
            lastChange = changeTime(now.leader());
        } catch (RuntimeException e) {
            LOG.warn("Stream '{}': cannot read when the leader last changed: {}; trying again", config.stream(), e.getMessage());
            return Outcome.NO_CANDIDATE;
        }
        if (FailoverChoice.heldBack(lastChange, clock.instant(), failover.minInterval())) {
            LOG.error("Stream '{}': the leader '{}' has not answered for {}s, but the last leader change was at {}, less than"
                    + " failover.min-interval ({}) ago: no automatic failover. Promote by hand (tailwater promote) if it must be",
                    config.stream(), now.name(), failover.leaderTimeout().toSeconds(), lastChange.orElseThrow(), failover.minInterval());
            heldBack.increment();
            return Outcome.HELD_BACK;
        }
        Map<String, Long> applied = new LinkedHashMap<>();
        for (String candidate : failover.candidates()) {
            appliedOffset(config.follower(candidate)).ifPresent(offset -> applied.put(candidate, offset));
        }
        List<String> order = FailoverChoice.order(failover.candidates(), applied, now.name());
        for (String candidate : order) {
            LOG.warn("Stream '{}': the leader '{}' has not answered for {}s; promoting follower '{}' (applied up to log offset {})",
                    config.stream(), now.name(), failover.leaderTimeout().toSeconds(), candidate, applied.get(candidate));
            try {
                Promotion.Result r = new Promotion(config, new Promotion.Options(candidate, TIMEOUT, TIMEOUT, CATCH_UP)).run();
                failovers.increment();
                LOG.info("Stream '{}': automatic failover to follower '{}' done (epoch {}); tailwater rejoin reports what the old leader"
                        + " committed after its last position in the log", config.stream(), candidate, r.epoch());
                return Outcome.DONE;
            } catch (RuntimeException e) {
                // a failed pre-flight, an unreachable candidate, Kafka going away: the next candidate, or the next try
                LOG.error("Stream '{}': follower '{}' could not be promoted: {}", config.stream(), candidate, e.getMessage());
                CurrentLeader after = readLeader();
                if (after != null && after.leader().epoch() != now.leader().epoch()) {
                    return Outcome.DONE;
                }
            }
        }
        LOG.error("Stream '{}': the leader '{}' has not answered for {}s, and no failover candidate {} could be promoted; trying again"
                + " in {}s", config.stream(), now.name(), failover.leaderTimeout().toSeconds(), failover.candidates(),
                failover.leaderTimeout().toSeconds());
        return Outcome.NO_CANDIDATE;
    }

    /** A candidate's last applied log offset, or empty when it does not answer. */
    private Optional<Long> appliedOffset(FollowerConfig follower) {
        try {
            return Optional.of(StoredPositions.read(config, follower, TIMEOUT).map(AppliedPosition::logOffset).orElse(-1L));
        } catch (SQLException | RuntimeException e) {
            LOG.warn("Stream '{}': failover candidate '{}' does not answer: {}", config.stream(), follower.name(), e.getMessage());
            return Optional.empty();
        }
    }

    /** When the leader change that started the leader's epoch was written; empty for the configured leader. */
    private Optional<Instant> changeTime(StreamLeader leader) {
        if (leader.changeOffset() < 0) {
            return Optional.empty();
        }
        AtomicReference<Instant> at = new AtomicReference<>();
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.consumer(config, "tailwater-failover-" + config.stream(), Map.of())) {
            LogRange.forEach(consumer, new TopicPartition(config.logTopic(), 0), leader.changeOffset(), leader.changeOffset() + 1, TIMEOUT,
                    r -> at.set(Instant.ofEpochMilli(r.timestamp())));
        }
        return Optional.ofNullable(at.get());
    }

    @Override
    public void close() {
        closed = true;
        Capture c = capture.get();
        if (c != null) {
            c.close();
        }
    }
}
