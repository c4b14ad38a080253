package io.tailwater.tests;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tailwater.applier.verify.StreamVerifier;
import io.tailwater.applier.verify.TableComparison;
import io.tailwater.config.LeaderConfig;
import io.tailwater.embedded.EmbeddedPostgres;
import io.tailwater.failover.AutoFailover;
import io.tailwater.log.FollowerState;
import io.tailwater.log.LogTopics;
import io.tailwater.schemas.TableId;
import io.tailwater.schemas.event.LeaderChange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Automatic failover: capture run with a {@code failover:} section promotes a candidate when the
 * leader stays unreachable, by the same code path as {@code promote}, and goes on capturing from it.
 */
@ExtendWith(SharedServices.class)
class AutoFailoverTest {

    @Test
    void whenTheLeaderStaysUnreachableTheCandidateIsPromotedAndCaptureGoesOnFromIt() throws Exception {
        String failover = "failover:\n  candidates: [pg]\n  leader-timeout: 2s\n  min-interval: 1h\n";
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try (EmbeddedPostgres leaderServer = EmbeddedPostgres.start();
             TestStream s = new TestStream("autofailover", List.of("public.items"), leaderServer, failover)) {
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE items (id int PRIMARY KEY, name text)");
                st.execute("INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 100) g");
            }
            LogTopics.ensure(s.config, Duration.ofSeconds(30));
            s.config.followers().keySet().forEach(s::startApplier);
            AutoFailover supervisor = new AutoFailover(s.config, Duration.ofSeconds(30), new SimpleMeterRegistry());
            Future<Optional<Throwable>> run = thread.submit(supervisor::run);
            try {
                s.awaitSnapshotComplete(Duration.ofSeconds(60));
                try (Connection c = s.leader(); Statement st = c.createStatement()) {
                    st.execute("INSERT INTO items SELECT g, 'before ' || g FROM generate_series(101, 150) g");
                }
                Poll.until(Duration.ofSeconds(60), Duration.ofMillis(200), () -> rows(s, "pg"), n -> n == 150);
                leaderServer.kill();

                LeaderChange change = Poll.until(Duration.ofSeconds(90), Duration.ofMillis(200), () -> s.readLog().stream()
                        .map(Map.Entry::getValue).filter(LeaderChange.class::isInstance).map(LeaderChange.class::cast)
                        .findFirst().orElse(null), c -> c != null);
                assertThat(change).as("a leader change within 90 s of the kill").isNotNull();
                assertThat(change.leader()).isEqualTo("pg");
                assertThat(change.planned()).isFalse();
                assertThat(s.latestAppliers().get("pg").awaitTerminationWithin(Duration.ofSeconds(30))).isTrue();
                assertThat(s.latestAppliers().get("pg").state()).isEqualTo(FollowerState.LEADER);

                // The supervisor runs capture again, on the new leader: its writes reach the other follower.
                try (Connection c = s.follower("pg"); Statement st = c.createStatement()) {
                    st.execute("INSERT INTO items SELECT g, 'after ' || g FROM generate_series(151, 170) g");
                }
                long onLite = Poll.until(Duration.ofSeconds(90), Duration.ofMillis(200), () -> rows(s, "lite"), n -> n == 170);
                assertThat(onLite).isEqualTo(170);
                s.awaitCaughtUpFollowers(List.of("lite"), Duration.ofSeconds(60));
                LeaderConfig newLeader = s.config.leader().on(s.config.follower("pg"));
                assertThat(StreamVerifier.compare(newLeader, s.config.follower("lite"), List.of(TableId.parse("public.items"))))
                        .isNotEmpty().allMatch(TableComparison::matches);
                assertThat(run.isDone()).as("the supervisor keeps running").isFalse();
            } finally {
                supervisor.close();
            }
            assertThat(run.get(60, TimeUnit.SECONDS)).isEmpty();
        } finally {
            thread.shutdownNow();
        }
    }

    /**
     * Flapping is bounded: the promoted candidate, on a server of its own, is killed too, within
     * {@code min-interval} of the first failover. The supervisor holds the second failover back
     * (its counter says so) and the log keeps its one leader change.
     */
    @Test
    void noSecondAutomaticFailoverHappensWithinTheMinimumInterval() throws Exception {
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try (EmbeddedPostgres leaderServer = EmbeddedPostgres.start(); EmbeddedPostgres candidateServer = EmbeddedPostgres.start()) {
            String candidate = candidateServer.createDatabase("autoflap_pg2");
            String yaml = "  pg2:\n    jdbc-url: " + candidate + "\n    user: postgres\n"
                    + "failover:\n  candidates: [pg2]\n  leader-timeout: 2s\n  min-interval: 1h\n";
            try (TestStream s = new TestStream("autoflap", List.of("public.items"), leaderServer, yaml)) {
                try (Connection c = s.leader(); Statement st = c.createStatement()) {
                    st.execute("CREATE TABLE items (id int PRIMARY KEY, name text)");
                    st.execute("INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 20) g");
                }
                LogTopics.ensure(s.config, Duration.ofSeconds(30));
                s.config.followers().keySet().forEach(s::startApplier);
                SimpleMeterRegistry registry = new SimpleMeterRegistry();
                AutoFailover supervisor = new AutoFailover(s.config, Duration.ofSeconds(30), registry);
                Future<Optional<Throwable>> run = thread.submit(supervisor::run);
                try {
                    s.awaitSnapshotComplete(Duration.ofSeconds(60));
                    Poll.until(Duration.ofSeconds(60), Duration.ofMillis(200), () -> rows(s, "pg2"), n -> n == 20);
                    leaderServer.kill();
                    Poll.until(Duration.ofSeconds(90), Duration.ofMillis(200), () -> leaderChanges(s), n -> n == 1);
                    assertThat(leaderChanges(s)).as("the first failover").isEqualTo(1);
                    assertThat(registry.get("tailwater.failover.promotions").counter().count()).isEqualTo(1);

                    candidateServer.kill();
                    double held = Poll.until(Duration.ofSeconds(90), Duration.ofMillis(200),
                            () -> registry.get("tailwater.failover.held.back").counter().count(), n -> n >= 1);
                    assertThat(held).as("second failovers held back").isGreaterThanOrEqualTo(1);
                    assertThat(leaderChanges(s)).as("leader changes in the log").isEqualTo(1);
                    assertThat(registry.get("tailwater.failover.promotions").counter().count()).isEqualTo(1);
                } finally {
                    supervisor.close();
                }
                assertThat(run.get(60, TimeUnit.SECONDS)).isEmpty();
            }
        } finally {
            thread.shutdownNow();
        }
    }

    private static long leaderChanges(TestStream s) {
        return s.readLog().stream().map(Map.Entry::getValue).filter(LeaderChange.class::isInstance).count();
    }

    private static long rows(TestStream s, String follower) {
        try (Connection c = s.follower(follower); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM items")) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException e) {
            return -1;
        }
    }
}
