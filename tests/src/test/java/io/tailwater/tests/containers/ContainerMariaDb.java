package io.tailwater.tests.containers;

import io.tailwater.embedded.LocalPorts;
import io.tailwater.embedded.MariaDbServer;

import java.util.List;
import java.util.Map;

/** Debian's MariaDB in the {@code tailwater/mariadb} image, root without a password, as the embedded server is. */
final class ContainerMariaDb implements MariaDbServer {
    private final ServiceContainer container;
    private final int port;

    private ContainerMariaDb(ServiceContainer container, int port) {
        this.container = container;
        this.port = port;
    }

    static ContainerMariaDb start() {
        int port = LocalPorts.free();
        ServiceContainer container = ServiceContainer.start("mariadb", Map.of("MARIADB_PORT", String.valueOf(port)),
                List.of("--innodb-flush-log-at-trx-commit=2"));
        return new ContainerMariaDb(container, port);
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public void close() {
        container.close();
    }
}
