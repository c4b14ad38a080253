package io.tailwater.log;

import io.tailwater.config.ConfigLoader;
import io.tailwater.config.StreamConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** Kafka security settings reach every kind of client Tailwater makes, and correctness settings cannot be overridden. */
class KafkaClientsTest {
    private static final String JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"tw\" password=\"pw\";";

    private final StreamConfig config = stream("""
              security.protocol: SASL_SSL
              sasl.mechanism: SCRAM-SHA-512
              sasl.jaas.config: '%s'
              ssl.truststore.location: /etc/tailwater/truststore.p12
              ssl.truststore.password: changeit
              isolation.level: read_uncommitted
            """.formatted(JAAS));

    /** A stream whose {@code kafka:} section holds {@code bootstrap.servers} and {@code kafka} (lines indented by two). */
    private static StreamConfig stream(String kafka) {
        return new ConfigLoader(Map.<String, String>of()::get).parse("""
                stream: shop
                kafka:
                  bootstrap.servers: broker:9093
                %sregistry:
                  url: http://registry:8081
                leader:
                  jdbc-url: jdbc:postgresql://leader:5432/shop
                  tables: [public.orders]
                followers:
                  analytics:
                    jdbc-url: jdbc:sqlite:/tmp/a.db
                """.formatted(kafka));
    }

    @Test
    void securitySettingsReachConsumersProducersAndAdmin() {
        for (Properties p : List.of(KafkaClients.consumerProperties(config, "c", Map.of()),
                KafkaClients.producerProperties(config, "p", Map.of(), Map.of()), KafkaClients.adminProperties(config, "a"))) {
            assertThat(p).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                    .containsEntry("sasl.jaas.config", JAAS).containsEntry("ssl.truststore.location", "/etc/tailwater/truststore.p12")
                    .containsEntry("bootstrap.servers", "broker:9093");
        }
    }

    @Test
    void noJmxReporterNorMetricsPushUnlessTheUserAsks() {
        for (Properties p : List.of(KafkaClients.consumerProperties(config, "c", Map.of()),
                KafkaClients.producerProperties(config, "p", Map.of(), Map.of()), KafkaClients.adminProperties(config, "a"))) {
            assertThat(p).containsEntry("metric.reporters", "").containsEntry("enable.metrics.push", false);
        }
        StreamConfig withJmx = stream("""
                  metric.reporters: org.apache.kafka.common.metrics.JmxReporter
                  enable.metrics.push: true
                """);
        for (Properties p : List.of(KafkaClients.consumerProperties(withJmx, "c", Map.of()),
                KafkaClients.producerProperties(withJmx, "p", Map.of(), Map.of()), KafkaClients.adminProperties(withJmx, "a"))) {
            assertThat(p).containsEntry("metric.reporters", "org.apache.kafka.common.metrics.JmxReporter");
            assertThat(String.valueOf(p.get("enable.metrics.push"))).isEqualTo("true");
        }
    }

    @Test
    void consumersAlwaysReadCommittedOnly() {
        assertThat(KafkaClients.consumerProperties(config, "c", Map.of())).containsEntry("isolation.level", "read_committed");
    }
}
