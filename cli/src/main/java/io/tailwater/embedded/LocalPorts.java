package io.tailwater.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/** Free TCP ports for the local servers the demo, the benchmark and the tests start. */
public final class LocalPorts {
    private LocalPorts() {
    }

    /** A TCP port no one listens on at the moment. */
    public static int free() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free TCP port", e);
        }
    }
}
