package io.tailwater.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.core.ConsoleAppender;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The logging set up in code: the levels and the console target logback.xml had, and the properties that change them. */
class LogSetupTest {
    @Test
    void tailwaterAtInfoLibrariesAtWarnNoisyOnesAtErrorToStandardError() {
        LoggerContext context = new LoggerContext();
        assertThat(new LogSetup().configure(context)).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
        assertThat(context.getLogger("io.tailwater.capture.Capture").getEffectiveLevel()).isEqualTo(Level.INFO);
        assertThat(context.getLogger("com.zaxxer.anything").getEffectiveLevel()).isEqualTo(Level.WARN);
        assertThat(context.getLogger("org.apache.kafka.clients.producer.KafkaProducer").getEffectiveLevel()).isEqualTo(Level.WARN);
        assertThat(context.getLogger("org.apache.kafka.clients.NetworkClient").getEffectiveLevel()).isEqualTo(Level.ERROR);
        assertThat(context.getLogger("io.debezium.connector.postgresql.TypeRegistry").getEffectiveLevel()).isEqualTo(Level.ERROR);
        ConsoleAppender<?> console = (ConsoleAppender<?>) context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("CONSOLE");
        assertThat(console.getTarget()).isEqualTo("System.err");
        assertThat(console.isStarted()).isTrue();
    }

    @Test
    void propertiesSetTheTargetAndTheLevels() {
        System.setProperty("tailwater.log.target", "System.out");
        System.setProperty("tailwater.log.level", "DEBUG");
        System.setProperty("tailwater.root.log.level", "ERROR");
        try {
            LoggerContext context = new LoggerContext();
            new LogSetup().configure(context);
            assertThat(context.getLogger("io.tailwater.applier.Applier").getEffectiveLevel()).isEqualTo(Level.DEBUG);
            assertThat(context.getLogger("com.zaxxer.anything").getEffectiveLevel()).isEqualTo(Level.ERROR);
            assertThat(((ConsoleAppender<?>) context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("CONSOLE")).getTarget())
                    .isEqualTo("System.out");
        } finally {
            System.clearProperty("tailwater.log.target");
            System.clearProperty("tailwater.log.level");
            System.clearProperty("tailwater.root.log.level");
        }
    }

    @Test
    void aConfigurationFileOfTheOperatorsWins() {
        System.setProperty("logback.configurationFile", "/etc/tailwater/logback.xml");
        try {
            LoggerContext context = new LoggerContext();
            assertThat(new LogSetup().configure(context)).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
            assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("CONSOLE")).isNull();
        } finally {
            System.clearProperty("logback.configurationFile");
        }
    }
}
