package io.tailwater.cli;

import io.tailwater.applier.Applier;
import io.tailwater.config.StreamConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code tailwater apply}: runs the applier of one follower until stopped. */
@Command(name = "apply", mixinStandardHelpOptions = true,
        description = "Apply the replication log to one follower database, resuming from the position stored in it. Runs until stopped (Ctrl-C).")
final class ApplyCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(names = {"-f", "--follower"}, required = true, paramLabel = "NAME", description = "The follower's name under 'followers' in the config.")
    String follower;

    @Option(names = "--startup-timeout", defaultValue = "60s",
            description = "How long to keep trying to reach the follower and Kafka at start (default ${DEFAULT-VALUE}).")
    String startupTimeout;

    @picocli.CommandLine.Option(names = "--metrics-port", paramLabel = "PORT",
            description = "Serve Prometheus metrics at http://0.0.0.0:PORT/metrics (0 picks a free port; default: off).")
    Integer metricsPort;

    @Override
    public Integer call() throws Exception {
        StreamConfig stream = config.load();
        MetricsServer metrics = metricsPort == null ? null : new MetricsServer(metricsPort);
        if (metrics != null) {
            System.err.println("Metrics at http://localhost:" + metrics.port() + "/metrics");
        }
        Applier applier = new Applier(stream, follower, io.tailwater.config.Durations.parse(startupTimeout), metrics == null ? new io.micrometer.core.instrument.simple.SimpleMeterRegistry() : metrics.registry());
        Runtime.getRuntime().addShutdownHook(new Thread(applier::close, "tailwater-shutdown"));
        applier.start();
        Optional<Throwable> failure = applier.awaitTermination();
        if (failure.isPresent()) {
            System.err.println("tailwater apply: " + failure.get().getMessage());
            return 1;
        }
        return 0;
    }
}
