package io.tailwater.cli;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tailwater.config.Durations;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.time.Duration;

/** Options of the long-running commands ({@code capture}, {@code apply}): start-up patience and metrics. */
final class ProcessOptions {
    @Option(names = "--startup-timeout", defaultValue = "60s",
            description = "How long to keep trying to reach the databases, Kafka and the registry at start (default ${DEFAULT-VALUE}).")
    String startupTimeout;

    @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "${env:TAILWATER_METRICS_PORT}",
            description = "Serve Prometheus metrics at http://0.0.0.0:PORT/metrics (0 picks a free port;"
                    + " default: the environment variable TAILWATER_METRICS_PORT, else off).")
    Integer metricsPort;

    Duration startupTimeout() {
        return Durations.parse(startupTimeout);
    }

    /** The registry to record into: served over HTTP with --metrics-port, else kept in memory. */
    MeterRegistry metrics() throws IOException {
        if (metricsPort == null) {
            return new SimpleMeterRegistry();
        }
        MetricsServer server = new MetricsServer(metricsPort);
        System.err.println("Metrics at http://localhost:" + server.port() + "/metrics");
        return server.registry();
    }
}
