package io.tailwater.log;

import io.tailwater.config.ConfigException;
import io.tailwater.config.LeaderKind;
import io.tailwater.config.StreamConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

    /**
     * How long a snapshot record stays out of compaction. A new follower reads the snapshot topic
     * twice; it must do so within this time, or the second read may miss a record the first saw.
     */
    public static final Duration SNAPSHOT_COMPACTION_LAG = Duration.ofHours(1);

    /** Creates the log and positions topics when missing, and sets the log's retention to the configured one. */
    public static void ensure(StreamConfig config, Duration timeout) {
        run(config, timeout, (admin, rf) -> {
            if (config.logRetention().isPresent()) {
                refuseRetentionWithoutSnapshot(admin, config, timeout);
            }
            String minIsr = String.valueOf(Math.min(2, rf));
            String retention = retentionMs(config);
            create(admin, new NewTopic(config.logTopic(), 1, rf).configs(Map.of(
                    TopicConfig.RETENTION_MS_CONFIG, retention,
                    TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr,
                    TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                    TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(16 * 1024 * 1024))), timeout);
            create(admin, new NewTopic(config.positionsTopic(), 1, rf).configs(Map.of(
                    TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                    TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr)), timeout);
            if (config.leader().kind() == LeaderKind.MARIADB) {
                // Debezium's schema history of a MariaDB leader: every DDL with its binlog position, kept for ever (see design.md)
                create(admin, new NewTopic(config.schemaHistoryTopic(), 1, rf).configs(Map.of(
                        TopicConfig.RETENTION_MS_CONFIG, "-1",
                        TopicConfig.RETENTION_BYTES_CONFIG, "-1",
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                        TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr)), timeout);
            }
            ConfigResource logResource = new ConfigResource(ConfigResource.Type.TOPIC, config.logTopic());
            Config current = admin.describeConfigs(List.of(logResource)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(logResource);
            List<AlterConfigOp> changes = new ArrayList<>();
            ConfigEntry retentionNow = current.get(TopicConfig.RETENTION_MS_CONFIG);
            if (retentionNow == null || !retention.equals(retentionNow.value())) {
                changes.add(new AlterConfigOp(new ConfigEntry(TopicConfig.RETENTION_MS_CONFIG, retention), AlterConfigOp.OpType.SET));
            }
            // Retention drops whole segments only: a finite one gets segments of at most an hour, so it is kept closely.
            config.logRetention().map(d -> String.valueOf(Math.min(d.toMillis(), Duration.ofHours(1).toMillis()))).ifPresent(segment -> {
                ConfigEntry segmentNow = current.get(TopicConfig.SEGMENT_MS_CONFIG);
                if (segmentNow == null || !segment.equals(segmentNow.value())) {
                    changes.add(new AlterConfigOp(new ConfigEntry(TopicConfig.SEGMENT_MS_CONFIG, segment), AlterConfigOp.OpType.SET));
                }
            });
            if (!changes.isEmpty()) {
                admin.incrementalAlterConfigs(Map.of(logResource, changes)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                LOG.info("Set the retention of '{}' to {}", config.logTopic(), config.logRetention().map(Duration::toString).orElse("unlimited"));
            }
            TopicDescription log = admin.describeTopics(List.of(config.logTopic())).allTopicNames()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(config.logTopic());
            if (log.partitions().size() != 1) {
                throw new IllegalStateException("topic '" + config.logTopic() + "' has " + log.partitions().size()
                        + " partitions; the replication log must have exactly 1 to keep the leader's commit order");
            }
        });
    }

    /**
     * Creates {@code <stream>.snapshot} when missing: one partition, compacted, its records kept
     * out of compaction for {@link #SNAPSHOT_COMPACTION_LAG}. Returns the replication factor the
     * stream's topics get on this cluster, for the snapshot process's own topics.
     */
    public static short ensureSnapshot(StreamConfig config, Duration timeout) {
        short[] factor = new short[1];
        run(config, timeout, (admin, rf) -> {
            factor[0] = rf;
            create(admin, new NewTopic(config.snapshotTopic(), 1, rf).configs(Map.of(
                    TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                    TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, String.valueOf(SNAPSHOT_COMPACTION_LAG.toMillis()),
                    TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, String.valueOf(Math.min(2, rf)),
                    TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(16 * 1024 * 1024))), timeout);
        });
        return factor[0];
    }

    /**
     * A finite retention deletes log records; without a snapshot that holds them, a new follower
     * could never be made whole. Refused unless the snapshot topic exists and, once the log holds
     * records, {@code tailwater compact} has taken some of them.
     */
    private static void refuseRetentionWithoutSnapshot(Admin admin, StreamConfig config, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        String why = null;
        Set<String> topics = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!topics.contains(config.snapshotTopic())) {
            why = "'" + config.snapshotTopic() + "' does not exist";
        } else if (topics.contains(config.logTopic())) {
            TopicPartition log = new TopicPartition(config.logTopic(), 0);
            long end = admin.listOffsets(Map.of(log, OffsetSpec.latest())).partitionResult(log)
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS).offset();
            OffsetAndMetadata taken = admin.listConsumerGroupOffsets(config.snapshotApplicationId()).partitionsToOffsetAndMetadata()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(log);
            if (end > 0 && (taken == null || taken.offset() == 0)) {
                why = "'tailwater compact' has not taken any of the log's " + end + " records yet";
            }
        }
        if (why != null) {
            throw new ConfigException("topics.log-retention", "is " + config.logRetention().get() + ", but stream '" + config.stream()
                    + "' has no snapshot: " + why + ". A finite retention deletes log records, and without a snapshot that holds them"
                    + " a new follower could never be made whole. Start 'tailwater compact --config ...' first (it waits for the log),"
                    + " or leave topics.log-retention unset (unlimited)");
        }
    }

    private static String retentionMs(StreamConfig config) {
        return config.logRetention().map(d -> String.valueOf(d.toMillis())).orElse("-1");
    }

    private interface AdminWork {
        void run(Admin admin, short replicationFactor) throws InterruptedException, ExecutionException, TimeoutException;
    }

    private static void run(StreamConfig config, Duration timeout, AdminWork work) {
        Admin admin = KafkaClients.admin(config, "tailwater-" + config.stream() + "-admin");
        try {
            int brokers = admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS).size();
            short rf = (short) Math.min(config.replicationFactor(), Math.max(brokers, 1));
            if (rf < 3) {
                LOG.warn("Topics of stream '{}' get replication factor {} (cluster has {} broker(s)); production needs 3",
                        config.stream(), rf, brokers);
            }
            work.run(admin, rf);
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
