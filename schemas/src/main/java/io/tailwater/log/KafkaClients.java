package io.tailwater.log;

import io.tailwater.config.StreamConfig;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Builds every Kafka client of a stream from its config, so the user's client properties
 * (security, timeouts, ...) reach all of them: capture's producer, appliers' consumers, the
 * positions publisher and the status reader. Our settings are defaults the user can override,
 * except those correctness depends on, which are forced.
 *
 * <p>Two defaults differ from Kafka's, for start-up: no JMX reporter ({@code metric.reporters}
 * empty; Tailwater's metrics come from the clients' own registry, see {@code --metrics-port})
 * and no push of client metrics to the broker ({@code enable.metrics.push=false}). Registering
 * every client metric as an MBean starts the platform MBean server, which costs a fresh process
 * about half a second of CPU on two cores. Set either under {@code kafka:} to have it back.
 */
public final class KafkaClients {
    private KafkaClients() {
    }

    /** A read_committed consumer of raw bytes with no group management (partitions are assigned). */
    public static KafkaConsumer<byte[], byte[]> consumer(StreamConfig config, String clientId, Map<String, Object> defaults) {
        return new KafkaConsumer<>(consumerProperties(config, clientId, defaults), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** The settings {@link #consumer} uses: ours, then the user's {@code kafka:} settings, then the forced ones. */
    static Properties consumerProperties(StreamConfig config, String clientId, Map<String, Object> defaults) {
        Properties p = clientDefaults();
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50);
        p.putAll(defaults);
        p.putAll(config.kafka());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        return only(ConsumerConfig.configNames(), p);
    }

    /** A producer of raw bytes; {@code forced} settings win over the user's. */
    public static KafkaProducer<byte[], byte[]> producer(StreamConfig config, String clientId, Map<String, Object> defaults,
                                                        Map<String, Object> forced) {
        return new KafkaProducer<>(producerProperties(config, clientId, defaults, forced), new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** The settings {@link #producer} uses. */
    static Properties producerProperties(StreamConfig config, String clientId, Map<String, Object> defaults, Map<String, Object> forced) {
        Properties p = clientDefaults();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.putAll(defaults);
        p.putAll(config.kafka());
        p.putAll(forced);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        return only(ProducerConfig.configNames(), p);
    }

    public static Admin admin(StreamConfig config, String clientId) {
        return Admin.create(adminProperties(config, clientId));
    }

    /** The settings {@link #admin} uses. */
    static Properties adminProperties(StreamConfig config, String clientId) {
        Properties p = clientDefaults();
        p.putAll(config.kafka());
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
        return only(AdminClientConfig.configNames(), p);
    }

    /** What every client starts from: no JMX reporter, no metrics push (see the class comment). */
    private static Properties clientDefaults() {
        Properties p = new Properties();
        p.put(CommonClientConfigs.METRIC_REPORTER_CLASSES_CONFIG, "");
        p.put(CommonClientConfigs.ENABLE_METRICS_PUSH_CONFIG, false);
        return p;
    }

    /** The properties a client of one kind knows, so no client warns about the others' settings. */
    private static Properties only(Set<String> known, Properties p) {
        Properties out = new Properties();
        for (String name : known) {
            if (p.containsKey(name)) {
                out.put(name, p.get(name));
            }
        }
        copySecurity(p, out);
        return out;
    }

    /** Security settings (sasl.*, ssl.*) are dynamic; pass them all through. */
    private static void copySecurity(Properties from, Properties to) {
        for (String name : from.stringPropertyNames()) {
            if (name.startsWith("sasl.") || name.startsWith("ssl.") || name.equals("security.protocol")) {
                to.put(name, from.get(name));
            }
        }
    }
}
