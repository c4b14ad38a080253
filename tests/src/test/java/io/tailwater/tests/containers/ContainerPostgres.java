package io.tailwater.tests.containers;

import io.tailwater.embedded.LocalPorts;
import io.tailwater.embedded.PostgresServer;

import java.util.List;
import java.util.Map;

/** Debian's PostgreSQL in the {@code tailwater/postgres} image, trusting local TCP connections, as the embedded server does. */
final class ContainerPostgres implements PostgresServer {
    private final ServiceContainer container;
    private final int port;

    private ContainerPostgres(ServiceContainer container, int port) {
        this.container = container;
        this.port = port;
    }

    static ContainerPostgres start() {
        int port = LocalPorts.free();
        ServiceContainer container = ServiceContainer.start("postgres", Map.of("PGPORT", String.valueOf(port)),
                List.of("-c", "fsync=off"));
        return new ContainerPostgres(container, port);
    }

    @Override
    public int port() {
        return port;
    }

    /** It listens on 127.0.0.1 only: "localhost" may resolve to ::1 first. */
    @Override
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    @Override
    public String description() {
        return "Debian's PostgreSQL 15 in container " + container.image() + " at 127.0.0.1:" + port;
    }

    @Override
    public void close() {
        container.close();
    }
}
