package io.tailwater.embedded;

import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

import java.util.HashMap;
import java.util.Map;

/**
 * An in-process single-node KRaft Kafka broker for the demo and the tests. Wraps Kafka's own
 * {@code KafkaClusterTestKit} (an internal API, so it stays behind this one class).
 */
public final class EmbeddedKafka implements KafkaServer {
    private final KafkaClusterTestKit cluster;

    private EmbeddedKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    public static EmbeddedKafka start() {
        try {
            KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .setBootstrapMetadata(productionDefaults())
                    .build())
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    // with transaction version 2 the first send of a transaction waits while the previous one's markers are
                    // written, retried after this backoff: 20 ms by default, a p90 commit of 24 ms; 1 ms gives p50 1.5, p99 12
                    .setConfigProp("add.partitions.to.txn.retry.backoff.ms", "1")
                    .setConfigProp("auto.create.topics.enable", "false")
                    // retention is looked at every second rather than every five minutes: a short topics.log-retention shows at once
                    .setConfigProp("log.retention.check.interval.ms", "1000")
                    .setConfigProp("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE))
                    .build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new EmbeddedKafka(cluster);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the embedded Kafka broker: " + e.getMessage(), e);
        }
    }

    /**
     * The metadata version and feature levels {@code kafka-storage format} gives a new cluster of
     * this Kafka release (transaction version 2 among them), not the metadata version alone.
     */
    private static BootstrapMetadata productionDefaults() {
        MetadataVersion version = MetadataVersion.LATEST_PRODUCTION;
        Map<String, Short> levels = new HashMap<>();
        for (Feature feature : Feature.PRODUCTION_FEATURES) {
            if (feature != Feature.KRAFT_VERSION) { // the quorum's own version, set by formatting
                levels.put(feature.featureName(), feature.defaultLevel(version));
            }
        }
        return BootstrapMetadata.fromVersions(version, levels, "embedded Kafka");
    }

    @Override
    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    @Override
    public void close() {
        try {
            cluster.close();
        } catch (Exception e) {
            // shutting down anyway
        }
    }
}
