package io.tailwater.tests;

import io.tailwater.embedded.EmbeddedKafka;
import io.tailwater.embedded.EmbeddedMariaDb;
import io.tailwater.embedded.EmbeddedPostgres;
import io.tailwater.embedded.EmbeddedRegistry;
import io.tailwater.embedded.KafkaServer;
import io.tailwater.embedded.MariaDbServer;
import io.tailwater.embedded.PostgresServer;
import io.tailwater.embedded.RegistryServer;
import io.tailwater.tests.containers.ContainerServices;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The real services every end-to-end test shares, started once per test run: a Kafka broker,
 * Apicurio Registry, a PostgreSQL leader server, a PostgreSQL follower server and, where Debian's
 * {@code mariadb-server} is installed, a MariaDB follower server. Tests isolate themselves with
 * their own stream name and databases. Stopped when the run ends. With the environment variable
 * {@code TAILWATER_REQUIRE_MARIADB} set (as CI does), a missing MariaDB fails the run instead of
 * leaving the MariaDB follower out.
 *
 * <p>Where they come from is one property, {@code tailwater.fixtures} (or the environment
 * variable {@code TAILWATER_FIXTURES}): {@code embedded}, the default, runs them in and beside the
 * test JVM; {@code containers} runs the project's images with Testcontainers
 * ({@link ContainerServices}). The tests are the same either way.
 */
public final class SharedServices implements BeforeAllCallback {
    private static Services services;

    /** The running services. */
    public record Services(KafkaServer kafka, RegistryServer registry, PostgresServer leader, PostgresServer follower,
                           MariaDbServer mariadb) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            if (mariadb != null) {
                mariadb.close();
            }
            follower.close();
            leader.close();
            registry.close();
            kafka.close();
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        synchronized (SharedServices.class) {
            if (services == null) {
                System.setProperty("org.jooq.no-logo", "true");
                System.setProperty("org.jooq.no-tips", "true");
                services = switch (backend()) {
                    case "embedded" -> new Services(EmbeddedKafka.start(), EmbeddedRegistry.start(), EmbeddedPostgres.start(),
                            EmbeddedPostgres.start(), mariadb());
                    case "containers" -> ContainerServices.start();
                    default -> throw new IllegalStateException("tailwater.fixtures is '" + backend()
                            + "': it must be 'embedded' (the default) or 'containers'");
                };
                System.err.println("Shared services (" + backend() + "): Kafka " + services.kafka().bootstrapServers() + ", registry "
                        + services.registry().url() + ", leader " + services.leader().description() + ", follower "
                        + services.follower().description() + (services.mariadb() == null ? "" : ", MariaDB at port " + services.mariadb().port()));
                context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).put("tailwater-services", services);
            }
        }
    }

    private static String backend() {
        String configured = System.getProperty("tailwater.fixtures", System.getenv("TAILWATER_FIXTURES"));
        return configured == null || configured.isBlank() ? "embedded" : configured.trim();
    }

    private static EmbeddedMariaDb mariadb() {
        if (EmbeddedMariaDb.available()) {
            return EmbeddedMariaDb.start();
        }
        if (System.getenv("TAILWATER_REQUIRE_MARIADB") != null) {
            throw new IllegalStateException("TAILWATER_REQUIRE_MARIADB is set but MariaDB is not installed: apt-get install mariadb-server");
        }
        System.err.println("MariaDB is not installed (apt-get install mariadb-server): the MariaDB follower is left out of this run");
        return null;
    }

    public static Services get() {
        return services;
    }
}
