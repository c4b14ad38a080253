package io.tailwater.tests;

import io.tailwater.embedded.EmbeddedKafka;
import io.tailwater.embedded.EmbeddedMariaDb;
import io.tailwater.embedded.EmbeddedPostgres;
import io.tailwater.embedded.EmbeddedRegistry;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The real services every end-to-end test shares, started once per test run: a Kafka broker,
 * Apicurio Registry, a PostgreSQL leader server, a PostgreSQL follower server and, where Debian's
 * {@code mariadb-server} is installed, a MariaDB follower server. Tests isolate themselves with
 * their own stream name and databases. Stopped when the run ends. With the environment variable
 * {@code TAILWATER_REQUIRE_MARIADB} set (as CI does), a missing MariaDB fails the run instead of
 * leaving the MariaDB follower out.
 */
public final class SharedServices implements BeforeAllCallback {
    private static Services services;

    /** The running services. */
    public record Services(EmbeddedKafka kafka, EmbeddedRegistry registry, EmbeddedPostgres leader, EmbeddedPostgres follower,
                           EmbeddedMariaDb mariadb) implements ExtensionContext.Store.CloseableResource {
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
                services = new Services(EmbeddedKafka.start(), EmbeddedRegistry.start(), EmbeddedPostgres.start(), EmbeddedPostgres.start(),
                        mariadb());
                context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).put("tailwater-services", services);
            }
        }
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
