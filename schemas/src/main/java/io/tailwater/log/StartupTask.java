package io.tailwater.log;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One piece of a process's start-up run on its own thread while the caller does another: most
 * of start-up is loading and initialising classes (Kafka clients, the HTTP client, JDBC, jOOQ,
 * Debezium), and on two cores those go faster side by side. Only work without side effects is
 * forked, so a start-up that fails elsewhere has changed nothing.
 */
public final class StartupTask<T> {
    private final CompletableFuture<T> result = new CompletableFuture<>();

    private StartupTask() {
    }

    /** Starts {@code work} on a daemon thread named {@code tailwater-startup-<name>}. */
    public static <T> StartupTask<T> fork(String name, Supplier<T> work) {
        StartupTask<T> task = new StartupTask<>();
        Thread thread = new Thread(() -> {
            try {
                task.result.complete(work.get());
            } catch (Throwable e) {
                task.result.completeExceptionally(e);
            }
        }, "tailwater-startup-" + name);
        thread.setDaemon(true);
        thread.start();
        return task;
    }

    /** Waits for the work; its exception is thrown as it was thrown. */
    public T join() {
        try {
            return result.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error r) {
                throw r;
            }
            throw e;
        }
    }

    /** Once the work is done, hands its result (if it has one) to {@code close}: for a start-up that failed elsewhere. */
    public void discard(Consumer<T> close) {
        result.thenAccept(close);
    }
}
