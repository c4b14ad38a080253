package io.tailwater.log;

import io.tailwater.config.StreamConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.config.TopicConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Creates a stream's topics when they are missing: {@code <stream>.log} with one partition (its
 * order is the leader's commit order) and unlimited retention, and the compacted
 * {@code <stream>.positions}. The replication factor is the configured one, capped at the
 * number of brokers, with a warning when that is below 3.
 */
public final class LogTopics {
    private static final Logger LOG = LoggerFactory.getLogger(LogTopics.class);

    private LogTopics() {
    }

    public static void ensure(StreamConfig config, Duration timeout) {
        Admin admin = KafkaClients.admin(config, "tailwater-" + config.stream() + "-admin");
        try {
            int brokers = admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS).size();
            short rf = (short) Math.min(config.replicationFactor(), Math.max(brokers, 1));
            if (rf < 3) {
                LOG.warn("Creating topics of stream '{}' with replication factor {} (cluster has {} broker(s)); production needs 3",
                        config.stream(), rf, brokers);
            }
            String minIsr = String.valueOf(Math.min(2, rf));
            create(admin, new NewTopic(config.logTopic(), 1, rf).configs(Map.of(
                    TopicConfig.RETENTION_MS_CONFIG, "-1",
                    TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr,
                    TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                    TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(16 * 1024 * 1024))), timeout);
            create(admin, new NewTopic(config.positionsTopic(), 1, rf).configs(Map.of(
                    TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                    TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr)), timeout);
            TopicDescription log = admin.describeTopics(List.of(config.logTopic())).allTopicNames()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(config.logTopic());
            if (log.partitions().size() != 1) {
                throw new IllegalStateException("topic '" + config.logTopic() + "' has " + log.partitions().size()
                        + " partitions; the replication log must have exactly 1 to keep the leader's commit order");
            }
        } catch (ExecutionException e) {
            throw new KafkaUnavailableException("cannot create or check the topics of stream '" + config.stream()
                    + "' on Kafka at " + config.kafka().get("bootstrap.servers") + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new KafkaUnavailableException("Kafka at " + config.kafka().get("bootstrap.servers") + " did not answer within "
                    + timeout.toSeconds() + "s; check kafka.bootstrap.servers and that the brokers are up", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaUnavailableException("interrupted while creating topics", e);
        } finally {
            admin.close(Duration.ZERO); // a call still pending (Kafka unreachable) would otherwise hold close for its own timeout
        }
    }

    private static void create(Admin admin, NewTopic topic, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        try {
            admin.createTopics(List.of(topic)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            LOG.info("Created topic '{}' ({} partition, replication factor {})", topic.name(), topic.numPartitions(), topic.replicationFactor());
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }
}
