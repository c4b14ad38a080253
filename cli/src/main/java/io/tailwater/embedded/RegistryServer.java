package io.tailwater.embedded;

/** A schema registry that the demo, the benchmark or the tests started, reached without authentication. */
public interface RegistryServer extends AutoCloseable {
    /** The base URL of its Confluent-compatible API. */
    String url();

    @Override
    void close();
}
