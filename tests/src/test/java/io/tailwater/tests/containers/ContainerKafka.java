package io.tailwater.tests.containers;

import io.tailwater.embedded.LocalPorts;
import io.tailwater.embedded.KafkaServer;

import java.util.List;
import java.util.Map;

/** A single-node KRaft broker in the {@code tailwater/kafka} image, set up as the embedded one is. */
final class ContainerKafka implements KafkaServer {
    private final ServiceContainer container;
    private final int port;

    private ContainerKafka(ServiceContainer container, int port) {
        this.container = container;
        this.port = port;
    }

    static ContainerKafka start() {
        int port = LocalPorts.free();
        ServiceContainer container = ServiceContainer.start("kafka", Map.of(
                "KAFKA_PORT", String.valueOf(port),
                "KAFKA_CONTROLLER_PORT", String.valueOf(LocalPorts.free()),
                // retention is looked at every second: a short topics.log-retention shows at once, as on the embedded broker
                "KAFKA_EXTRA_PROPERTIES", "log.retention.check.interval.ms=1000"), List.of());
        return new ContainerKafka(container, port);
    }

    @Override
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() {
        container.close();
    }
}
