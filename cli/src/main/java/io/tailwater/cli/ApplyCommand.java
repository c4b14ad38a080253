package io.tailwater.cli;

import io.tailwater.applier.Applier;
import io.tailwater.config.StreamConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code tailwater apply}: runs the applier of one follower until stopped. */
@Command(name = "apply", mixinStandardHelpOptions = true,
        description = "Apply the replication log to one follower database, resuming from the position stored in it. Runs until stopped (Ctrl-C).")
final class ApplyCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Mixin
    ProcessOptions process;

    @Option(names = {"-f", "--follower"}, required = true, paramLabel = "NAME", description = "The follower's name under 'followers' in the config.")
    String follower;

    @Option(names = "--rebuild",
            description = "Empty the follower's copies of the tables in <stream>.snapshot and its position, load it from the snapshot"
                    + " (no read of the leader), then apply the log from the snapshot's watermark. The way back for a follower"
                    + " whose position the log's retention removed. Needs 'tailwater compact'.")
    boolean rebuild;

    @Option(names = "--skip-offset", paramLabel = "OFFSET",
            description = "Pass over the undecodable log record at OFFSET (repeatable). Each skip is logged and recorded in the"
                    + " follower's tailwater_skipped table; a record that decodes is never skipped.")
    java.util.Set<Long> skipOffsets = new java.util.HashSet<>();

    @Override
    public Integer call() throws Exception {
        StreamConfig stream = config.load();
        Applier applier = new Applier(stream, follower, new Applier.Options(process.startupTimeout(), process.metrics(), skipOffsets,
                rebuild));
        Runtime.getRuntime().addShutdownHook(new Thread(applier::close, "tailwater-shutdown"));
        applier.start();
        Optional<Throwable> failure;
        try (CatchUpProgress progress = new CatchUpProgress(applier, CatchUpProgress.isTerminal() ? System.err : null)) {
            failure = applier.awaitTermination();
        }
        if (failure.isPresent()) {
            System.err.println("tailwater apply: " + failure.get().getMessage());
            return 1;
        }
        return 0;
    }
}
