package io.tailwater.tests.containers;

import io.tailwater.embedded.LocalPorts;
import io.tailwater.embedded.RegistryServer;

import java.util.List;
import java.util.Map;

/** Apicurio Registry in the {@code tailwater/registry} image. */
final class ContainerRegistry implements RegistryServer {
    private final ServiceContainer container;
    private final int port;

    private ContainerRegistry(ServiceContainer container, int port) {
        this.container = container;
        this.port = port;
    }

    static ContainerRegistry start() {
        int port = LocalPorts.free();
        ServiceContainer container = ServiceContainer.start("registry", Map.of(
                "REGISTRY_PORT", String.valueOf(port),
                "REGISTRY_MANAGEMENT_PORT", String.valueOf(LocalPorts.free())), List.of());
        return new ContainerRegistry(container, port);
    }

    @Override
    public String url() {
        return "http://127.0.0.1:" + port + "/apis/ccompat/v7";
    }

    @Override
    public void close() {
        container.close();
    }
}
