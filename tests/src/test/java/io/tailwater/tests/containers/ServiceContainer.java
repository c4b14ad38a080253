package io.tailwater.tests.containers;

import io.tailwater.embedded.LocalPorts;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One of the project's images ({@code tailwater/<name>}, built by {@code compose/build-images})
 * run by Testcontainers on the host network, as these machines need: there is no bridge, so
 * each container listens on a loopback port picked here and handed to it in its environment.
 * Started when its healthcheck passes; stopped and removed on close.
 */
final class ServiceContainer implements AutoCloseable {
    /** The image tag to run: {@code -Dtailwater.images.tag}, else {@code dev}, what {@code compose/build-images} builds. */
    static final String TAG = System.getProperty("tailwater.images.tag", "dev");

    private final GenericContainer<?> container;

    private ServiceContainer(GenericContainer<?> container) {
        this.container = container;
    }

    /** Starts {@code tailwater/<name>} with this environment and these arguments, and waits until it is healthy. */
    @SuppressWarnings("resource") // closed by close()
    static ServiceContainer start(String name, Map<String, String> environment, List<String> arguments) {
        String image = "tailwater/" + name + ":" + TAG;
        GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(image))
                .withNetworkMode("host")
                .withEnv(environment)
                .withCommand(arguments.toArray(String[]::new))
                .waitingFor(Wait.forHealthcheck().withStartupTimeout(Duration.ofMinutes(3)));
        try {
            container.start();
        } catch (RuntimeException e) {
            String logs = container.getContainerId() == null ? "" : "; its output:\n" + container.getLogs();
            container.stop();
            throw new IllegalStateException("container " + image + " did not become healthy (build the images with compose/build-images): "
                    + e.getMessage() + logs, e);
        }
        return new ServiceContainer(container);
    }


    String image() {
        return container.getDockerImageName();
    }

    @Override
    public void close() {
        container.stop();
    }
}
