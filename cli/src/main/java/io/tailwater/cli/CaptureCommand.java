package io.tailwater.cli;

import io.tailwater.capture.SupervisedCapture;
import io.tailwater.failover.AutoFailover;
import io.tailwater.config.StreamConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code tailwater capture}: runs the capture process of a stream until stopped. */
@Command(name = "capture", mixinStandardHelpOptions = true,
        description = "Capture the leader's changes into the replication log <stream>.log. Runs until stopped (Ctrl-C); a lost"
                + " leader connection (a restart, the promotion of its standby) starts it again. With a failover section in the"
                + " config, it also promotes a candidate follower when the leader stays unreachable.")
final class CaptureCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Mixin
    ProcessOptions process;

    @Override
    public Integer call() throws Exception {
        StreamConfig stream = config.load();
        if (stream.failover().enabled()) {
            AutoFailover supervised = new AutoFailover(stream, process.startupTimeout(), process.metrics());
            Runtime.getRuntime().addShutdownHook(new Thread(supervised::close, "tailwater-shutdown"));
            Optional<Throwable> failure = supervised.run();
            if (failure.isPresent()) {
                System.err.println("tailwater capture: " + failure.get().getMessage());
                return 1;
            }
            return 0;
        }
        SupervisedCapture capture = new SupervisedCapture(stream, process.startupTimeout(), process.metrics());
        Runtime.getRuntime().addShutdownHook(new Thread(capture::close, "tailwater-shutdown"));
        Optional<Throwable> failure = capture.run();
        if (failure.isPresent()) {
            System.err.println("tailwater capture: " + failure.get().getMessage());
            return 1;
        }
        return 0;
    }
}
