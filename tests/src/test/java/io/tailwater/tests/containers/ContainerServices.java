package io.tailwater.tests.containers;

import io.tailwater.tests.SharedServices.Services;

/**
 * The shared services of the end-to-end tests from containers of the project's images, started
 * by Testcontainers: selected with {@code -Dtailwater.fixtures=containers}. Needs a Docker engine
 * and the images ({@code compose/build-images}); on these machines also
 * {@code TESTCONTAINERS_RYUK_DISABLED=true} and {@code TESTCONTAINERS_HOST_OVERRIDE=localhost},
 * which the tests' build sets.
 */
public final class ContainerServices {
    private ContainerServices() {
    }

    public static Services start() {
        return new Services(ContainerKafka.start(), ContainerRegistry.start(), ContainerPostgres.start(), ContainerPostgres.start(),
                ContainerMariaDb.start());
    }
}
