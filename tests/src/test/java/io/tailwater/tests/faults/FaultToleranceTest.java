package io.tailwater.tests.faults;

import io.tailwater.applier.verify.TableComparison;
import io.tailwater.tests.SharedServices;
import io.tailwater.config.LeaderKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Kills and restarts every part of a running Tailwater at random moments, many times, switches
 * its leader over and back, and checks nothing was lost, duplicated or torn. In CI: 20 faults of
 * each kind, 5 promotes. For a soak run:
 * {@code ./mvnw -pl tests -am verify -Dtest=FaultToleranceTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dtailwater.faults.minutes=30 -Dtailwater.faults.seed=7} (faults go on until both the rounds and the minutes are
 * done). A failure prints its seed; the same
 * seed replays the same order and moments of faults.
 */
@ExtendWith(SharedServices.class)
class FaultToleranceTest {

    @Test
    void killingAnyPartAtAnyMomentLosesNothingDuplicatesNothingAndTearsNothing() throws Exception {
        run(LeaderKind.POSTGRESQL);
    }

    /** The same with a MariaDB leader, restarted as well (no promotes: failover is for a PostgreSQL leader). */
    @Test
    void killingAnyPartOfAMariaDbLeadersStreamLosesNothingDuplicatesNothingAndTearsNothing() throws Exception {
        assumeThat(SharedServices.get().mariadb()).as("MariaDB is installed").isNotNull();
        run(LeaderKind.MARIADB);
    }

    private static void run(LeaderKind kind) throws Exception {
        long seed = Long.getLong("tailwater.faults.seed", System.nanoTime() % 100_000);
        int rounds = Integer.getInteger("tailwater.faults.rounds", 20);
        java.time.Duration atLeast = java.time.Duration.ofMinutes(Long.getLong("tailwater.faults.minutes", 0));
        Path dir = Files.createTempDirectory("tailwater-faults");
        System.out.printf("Fault run (%s leader): seed %d, at least %d faults of each kind for at least %s, files in %s%n", kind, seed,
                rounds, atLeast, dir);
        long start = System.nanoTime();
        try (FaultHarness harness = new FaultHarness(dir, seed, SharedServices.get().registry(), kind)) {
            FaultHarness.Result r = harness.run(rounds, atLeast);
            System.out.printf("Fault run (seed %d) in %d s: faults %s, %d switchovers; %d leader transactions committed (%d in-doubt commits resolved);"
                            + " %d in the log, %d duplicates, %d missing, %d unexpected; %d invariant reads, %d violations;"
                            + " %d position reads, %d regressions%n", seed, (System.nanoTime() - start) / 1_000_000_000L, r.faults(),
                    r.switchovers(), r.committed(), r.inDoubtResolved(), r.loggedTransactions(), r.duplicateTransactions(), r.missingTransactions().size(),
                    r.unexpectedTransactions().size(), r.invariantReads(), r.invariantViolations(), r.positionReads(), r.positionRegressions());
            r.comparisons().forEach(c -> System.out.println("  " + c));
            String replay = " (replay with -Dtailwater.faults.seed=" + seed + ")";
            for (FaultHarness.Fault f : FaultHarness.Fault.of(kind)) {
                assertThat(r.faults().get(f)).as("%s faults%s", f, replay).isGreaterThanOrEqualTo(FaultHarness.rounds(f, rounds));
            }
            if (kind == LeaderKind.POSTGRESQL) {
                assertThat(r.switchovers()).as("promotes that switched the leader over" + replay).isPositive();
            }
            assertThat(r.committed()).as("the workload ran" + replay).isGreaterThan(1000);
            assertThat(r.missingTransactions()).as("committed leader transactions missing from the log" + replay).isEmpty();
            assertThat(r.unexpectedTransactions()).as("leader transactions in the log the workload never committed" + replay).isEmpty();
            assertThat(r.duplicateTransactions()).as("leader transactions in the log more than once" + replay).isZero();
            assertThat(r.invariantReads()).as("reads of the followers' totals" + replay).isGreaterThan(100);
            assertThat(harness.violations()).as("invariant and position violations" + replay).isEmpty();
            assertThat(r.comparisons()).as("every follower table equals the leader's" + replay).isNotEmpty().allMatch(TableComparison::matches);
        }
    }
}
