package io.tailwater.cli;

import io.tailwater.log.StartupTask;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;

/** Entry point of the {@code tailwater} command. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.setProperty("org.jooq.no-logo", "true");
        System.setProperty("org.jooq.no-tips", "true");
        // Logging reads its configuration while the command line and the config file are parsed.
        StartupTask.fork("logging", () -> {
            // java.util.logging (the MariaDB binlog client's) goes to the same log as everything else
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
            return LoggerFactory.getILoggerFactory();
        });
        if (args.length > 0 && !args[0].startsWith("-")) {
            // Every Kafka client registers an MBean, which starts the platform MBean server: on JDK 25 that builds the help
            // of every diagnostic command (JFR's parses its .jfc files), about 0.3 s on two cores. Here it is done while
            // the command line and the config are parsed, not on the way to the first Kafka request.
            StartupTask.fork("management", ManagementFactory::getPlatformMBeanServer);
        }
        System.exit(run(args));
    }

    /** Runs the command line without exiting; returns the exit code. */
    public static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** Runs the command line with the given output streams; returns the exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return TailwaterCommand.commandLine(args)
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setOut(out)
                .setErr(err)
                .setExecutionExceptionHandler(new ErrorHandler())
                .execute(args);
    }
}
