package io.tailwater.cli;

import io.tailwater.capture.Capture;
import io.tailwater.config.StreamConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code tailwater capture}: runs the capture process of a stream until stopped. */
@Command(name = "capture", mixinStandardHelpOptions = true,
        description = "Capture the leader's changes into the replication log <stream>.log. Runs until stopped (Ctrl-C).")
final class CaptureCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @picocli.CommandLine.Option(names = "--startup-timeout", defaultValue = "60s",
            description = "How long to keep trying to reach the leader, Kafka and the registry at start (default ${DEFAULT-VALUE}).")
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
        Capture capture = new Capture(stream, io.tailwater.config.Durations.parse(startupTimeout), metrics == null ? new io.micrometer.core.instrument.simple.SimpleMeterRegistry() : metrics.registry());
        Runtime.getRuntime().addShutdownHook(new Thread(capture::close, "tailwater-shutdown"));
        capture.start();
        Optional<Throwable> failure = capture.awaitTermination();
        if (failure.isPresent()) {
            System.err.println("tailwater capture: " + failure.get().getMessage());
            return 1;
        }
        return 0;
    }
}
