package io.tailwater.tests;

import io.tailwater.embedded.EmbeddedKafka;
import io.tailwater.embedded.EmbeddedPostgres;
import io.tailwater.embedded.EmbeddedRegistry;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The real services every end-to-end test shares, started once per test run: a Kafka broker,
 * Apicurio Registry, a PostgreSQL leader server and a PostgreSQL follower server. Tests isolate
 * themselves with their own stream name and databases. Stopped when the run ends.
 */
public final class SharedServices implements BeforeAllCallback {
    private static Services services;

    /** The running services. */
    public record Services(EmbeddedKafka kafka, EmbeddedRegistry registry, EmbeddedPostgres leader, EmbeddedPostgres follower)
            implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
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
                services = new Services(EmbeddedKafka.start(), EmbeddedRegistry.start(), EmbeddedPostgres.start(), EmbeddedPostgres.start());
                context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).put("tailwater-services", services);
            }
        }
    }

    public static Services get() {
        return services;
    }
}
