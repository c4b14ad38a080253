package io.tailwater.cli;

import io.tailwater.config.Durations;
import io.tailwater.config.LeaderKind;
import io.tailwater.demo.Demo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import sun.misc.Signal;

import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

/** {@code tailwater demo}: everything embedded, a live workload, and a final check. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run Tailwater end to end with embedded Kafka, schema registry, PostgreSQL leader and follower and a SQLite follower,"
                + " under a live workload; then check every follower against the leader. Exits 0 only if they all match.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = {"-d", "--duration"}, defaultValue = "30s", description = "How long the workload runs, e.g. 20s, 2m (default ${DEFAULT-VALUE}).")
    String duration;

    @Option(names = "--rate", defaultValue = "200", description = "Leader transactions per second (default ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--leader", defaultValue = "postgresql", paramLabel = "KIND",
            description = "The leader: postgresql (default) or mariadb (needs Debian's mariadb-server installed).")
    String leader;

    @Override
    public Integer call() throws Exception {
        LeaderKind kind = switch (leader.toLowerCase(Locale.ROOT)) {
            case "postgresql", "postgres" -> LeaderKind.POSTGRESQL;
            case "mariadb" -> LeaderKind.MARIADB;
            default -> throw new ParameterException(new CommandLine(this),
                    "--leader must be postgresql or mariadb, not '" + leader + "'");
        };
        Demo demo = new Demo(System.out, kind);
        // Ctrl-C asks the demo to stop: it still checks the followers and shuts everything down in order.
        // (A JVM shutdown hook would race the embedded servers' own hooks.) A second Ctrl-C exits at once.
        AtomicBoolean interrupted = new AtomicBoolean();
        Signal.handle(new Signal("INT"), signal -> {
            if (interrupted.getAndSet(true)) {
                Runtime.getRuntime().halt(130);
            }
            System.out.println("Stopping the workload (Ctrl-C again to quit at once)...");
            demo.requestStop();
        });
        Thread main = Thread.currentThread();
        Thread hook = new Thread(() -> {
            demo.requestStop();
            try {
                main.join(90_000);
            } catch (InterruptedException ignored) {
                // exiting
            }
            demo.close();
        }, "tailwater-demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return demo.run(Durations.parse(duration), rate) ? 0 : 1;
        } finally {
            demo.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook is already running and waits for us
            }
        }
    }
}
