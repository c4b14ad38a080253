package io.tailwater.tests;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Money moves between accounts on the leader, so the total is constant in every committed state.
 * A reader polling the PostgreSQL follower while it applies must never see another total: the
 * follower never shows part of a leader transaction, even when leader transactions are grouped.
 */
@ExtendWith(SharedServices.class)
class NoTornTransactionsTest {
    private static final int ACCOUNTS = 40;
    private static final long OPENING_BALANCE = 1000;
    private static final long TOTAL = ACCOUNTS * OPENING_BALANCE;

    @Test
    void readerOfTheFollowerNeverSeesAPartTransaction() throws Exception {
        try (TestStream s = new TestStream("torn", List.of("public.accounts"))) {
            try (Connection c = s.leader(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL)");
                st.execute("INSERT INTO accounts SELECT g, " + OPENING_BALANCE + " FROM generate_series(1, " + ACCOUNTS + ") g");
            }
            s.startCapture();
            s.startApplier("pg");
            s.awaitSnapshotComplete(Duration.ofSeconds(60));

            AtomicBoolean done = new AtomicBoolean();
            AtomicLong checks = new AtomicLong();
            AtomicLong fullChecks = new AtomicLong();
            AtomicReference<String> violation = new AtomicReference<>();
            CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
                try (Connection f = s.follower("pg")) {
                    while (!done.get() && violation.get() == null) {
                        try (Statement st = f.createStatement();
                             ResultSet rs = st.executeQuery("SELECT count(*), coalesce(sum(balance), 0) FROM public.accounts")) {
                            rs.next();
                            long count = rs.getLong(1);
                            long sum = rs.getLong(2);
                            checks.incrementAndGet();
                            if (count == ACCOUNTS) {
                                fullChecks.incrementAndGet();
                                if (sum != TOTAL) {
                                    violation.set("follower showed a total of " + sum + " instead of " + TOTAL);
                                }
                            } else if (count != 0) {
                                violation.set("follower showed " + count + " accounts instead of " + ACCOUNTS);
                            }
                        } catch (java.sql.SQLException e) {
                            if (!"42P01".equals(e.getSQLState())) { // the table may not exist yet
                                throw e;
                            }
                        }
                    }
                } catch (Exception e) {
                    violation.compareAndSet(null, "reader failed: " + e);
                }
            });

            Random random = new Random(7);
            try {
            try (Connection c = s.leader();
                 PreparedStatement move = c.prepareStatement("UPDATE accounts SET balance = balance + ? WHERE id = ?")) {
                c.setAutoCommit(false);
                long lastXid = 0;
                for (int i = 0; i < 1500; i++) {
                    int parts = 2 + random.nextInt(3); // money moves among 2 to 4 accounts
                    long remaining = 0;
                    for (int p = 0; p < parts - 1; p++) {
                        long amount = random.nextInt(50) - 25;
                        move.setLong(1, amount);
                        move.setInt(2, 1 + random.nextInt(ACCOUNTS));
                        move.executeUpdate();
                        remaining -= amount;
                    }
                    move.setLong(1, remaining);
                    move.setInt(2, 1 + random.nextInt(ACCOUNTS));
                    move.executeUpdate();
                    try (Statement st = c.createStatement()) {
                        lastXid = TestStream.currentXid(st);
                    }
                    c.commit();
                }
                s.awaitReplicated(java.util.Set.of(lastXid), Duration.ofSeconds(120));
            }
            } finally {
                done.set(true);
            }
            reader.get(30, TimeUnit.SECONDS);

            assertThat(violation.get()).isNull();
            assertThat(fullChecks.get()).as("reads that saw all accounts").isGreaterThan(50);
            ReplicationEndToEndTest.assertAllMatch(s.compare(List.of("public.accounts")));
        }
    }
}
