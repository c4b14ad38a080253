package io.tailwater.tests;

import io.tailwater.log.KafkaClients;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.FeatureMetadata;
import org.apache.kafka.clients.admin.FinalizedVersionRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The broker the tests and the benchmark run on has the feature levels a cluster formatted by
 * this Kafka release's {@code kafka-storage format} has: transaction version 2 (one commit
 * round trip less per capture transaction) and the group protocol, not the metadata version alone.
 */
@ExtendWith(SharedServices.class)
class KafkaBrokerFeaturesTest {

    @Test
    void theSharedBrokerRunsTransactionVersion2LikeANewlyFormattedCluster() throws Exception {
        try (TestStream s = new TestStream("features", List.of("public.items"));
             Admin admin = KafkaClients.admin(s.config, "tailwater-test-features")) {
            FeatureMetadata features = admin.describeFeatures().featureMetadata().get();
            Map<String, FinalizedVersionRange> finalized = features.finalizedFeatures();
            assertThat(finalized).containsKeys("metadata.version", "transaction.version", "group.version");
            assertThat(finalized.get("transaction.version").maxVersionLevel()).isEqualTo((short) 2);
            assertThat(finalized.get("group.version").maxVersionLevel()).isGreaterThanOrEqualTo((short) 1);
        }
    }
}
