package io.tailwater.cli;

import io.tailwater.config.StreamConfig;
import io.tailwater.snapshot.SnapshotCompactor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code tailwater compact}: keeps the stream's snapshot topic until stopped. */
@Command(name = "compact", mixinStandardHelpOptions = true,
        description = "Keep <stream>.snapshot, the latest row of every key of the replication log with a watermark, for new"
                + " followers to load without reading the leader (Kafka Streams, exactly-once). Runs until stopped (Ctrl-C); it may"
                + " be killed at any moment and resumes where its last commit left it. Needed before topics.log-retention can be finite.")
final class CompactCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Mixin
    ProcessOptions process;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Where the local state stores go (a cache: Kafka holds their changelogs). Default: tailwater-state/<stream>"
                    + " under the system's temporary directory.")
    Path stateDir;

    @Override
    public Integer call() throws Exception {
        StreamConfig stream = config.load();
        Path dir = stateDir != null ? stateDir : Path.of(System.getProperty("java.io.tmpdir"), "tailwater-state", stream.stream());
        SnapshotCompactor compactor = new SnapshotCompactor(stream, dir, process.startupTimeout(), process.metrics());
        Runtime.getRuntime().addShutdownHook(new Thread(compactor::close, "tailwater-shutdown"));
        compactor.start();
        Optional<Throwable> failure = compactor.awaitStop();
        if (failure.isPresent()) {
            System.err.println("tailwater compact: " + failure.get().getMessage());
            return 1;
        }
        return 0;
    }
}
