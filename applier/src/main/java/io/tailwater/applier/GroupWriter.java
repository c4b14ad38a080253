package io.tailwater.applier;

import io.tailwater.applier.jdbc.FollowerStore;

import java.sql.SQLException;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Applies ready groups to the follower on a thread of its own, one group at a time, so the
 * applier decodes the next group from the log while the follower commits this one. The applier
 * waits for each group before it hands over the next, and before anything else touches the
 * follower, so the follower still sees one transaction after another.
 */
final class GroupWriter implements AutoCloseable {
    /** A group the follower committed. */
    record Applied(ReadyGroup group, int diverged, long nanos) {
    }

    /** A group the follower refused or could not take: none of it was applied. */
    static final class Failed extends Exception {
        private final ReadyGroup group;

        Failed(ReadyGroup group, SQLException cause) {
            super(cause);
            this.group = group;
        }

        ReadyGroup group() {
            return group;
        }

        SQLException sqlException() {
            return (SQLException) getCause();
        }
    }

    private final ExecutorService executor;
    private Future<Applied> inFlight;

    GroupWriter(String follower) {
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tailwater-apply-" + follower + "-write");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts applying {@code group} with its position; the group before it must have been awaited. */
    void submit(FollowerStore store, ReadyGroup group) {
        if (inFlight != null) {
            throw new IllegalStateException("a group is still being applied");
        }
        inFlight = executor.submit(() -> {
            long start = System.nanoTime();
            try {
                int diverged = store.apply(group.events(), group.position());
                return new Applied(group, diverged, System.nanoTime() - start);
            } catch (SQLException e) {
                throw new Failed(group, e);
            }
        });
    }

    /**
     * Waits for the group being applied, if there is one, and returns it. The wait is not cut
     * short by an interrupt: the follower connection is only used again once the group is done.
     *
     * @throws Failed when the follower did not take it
     */
    Optional<Applied> await() throws Failed {
        Future<Applied> f = inFlight;
        if (f == null) {
            return Optional.empty();
        }
        inFlight = null;
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return Optional.of(f.get());
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Failed failed) {
                throw failed;
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        executor.shutdown();
        try {
            executor.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
