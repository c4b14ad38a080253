package io.tailwater.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

import java.util.List;

/**
 * Tailwater's logging, set up in code rather than from a {@code logback.xml}: parsing XML is a
 * fifth of a second of a fresh process's start-up. One line per event to standard error
 * ({@code -Dtailwater.log.target=System.out} for standard output), Tailwater's own loggers at
 * INFO ({@code -Dtailwater.log.level}), the rest at WARN ({@code -Dtailwater.root.log.level}).
 * A {@code -Dlogback.configurationFile}, or a {@code logback-test.xml} on the class path, is
 * used instead.
 */
public final class LogSetup extends ContextAwareBase implements Configurator {
    /** The libraries' loggers that say nothing an operator needs below WARN. */
    private static final List<String> WARN = List.of("org.apache.kafka", "kafka", "io.debezium", "io.zonky", "org.jooq");
    /**
     * Loggers that warn in normal operation: the Kafka client's connection attempts, and
     * Debezium's "Type ... _pg_user_mappings is already mapped" (pg_catalog and
     * information_schema both have that type, on every server).
     */
    private static final List<String> ERROR = List.of("org.apache.kafka.clients.NetworkClient",
            "io.debezium.connector.postgresql.TypeRegistry");

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null
                || LogSetup.class.getClassLoader().getResource("logback-test.xml") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{HH:mm:ss.SSS} %-5level [%thread] %logger{20} - %msg%n");
        encoder.start();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("CONSOLE");
        console.setTarget(System.getProperty("tailwater.log.target", "System.err"));
        console.setEncoder(encoder);
        console.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(System.getProperty("tailwater.root.log.level"), Level.WARN));
        root.addAppender(console);
        context.getLogger("io.tailwater").setLevel(Level.toLevel(System.getProperty("tailwater.log.level"), Level.INFO));
        WARN.forEach(name -> context.getLogger(name).setLevel(Level.WARN));
        ERROR.forEach(name -> context.getLogger(name).setLevel(Level.ERROR));
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
