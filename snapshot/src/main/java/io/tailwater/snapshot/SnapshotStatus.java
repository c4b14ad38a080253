package io.tailwater.snapshot;

import io.tailwater.config.StreamConfig;
import io.tailwater.log.KafkaClients;
import io.tailwater.log.KafkaUnavailableException;
import io.tailwater.log.SnapshotWatermark;
import io.tailwater.schemas.registry.SchemaRegistryClient;
import io.tailwater.schemas.serde.LogRecordSerde;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The log's extent and the snapshot's state, for {@code status}: the log's first and end offsets
 * (retention moves the first), the snapshot's watermark, and whether {@code tailwater compact} runs.
 *
 * @param logStart the log's first offset
 * @param logEnd the log's end offset
 * @param watermark the log offset the snapshot reflects in whole, or -1 when there is no snapshot (yet)
 * @param compactMembers how many {@code tailwater compact} processes are in its group now
 * @param retentionMs the log's configured retention in milliseconds, -1 for unlimited
 */
public record SnapshotStatus(long logStart, long logEnd, long watermark, int compactMembers, long retentionMs) {

    public static SnapshotStatus read(StreamConfig config, Duration timeout) {
        TopicPartition log = new TopicPartition(config.logTopic(), 0);
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.consumer(config, "tailwater-status-" + config.stream() + "-snapshot", Map.of());
             Admin admin = KafkaClients.admin(config, "tailwater-status-" + config.stream() + "-admin")) {
            long start = consumer.beginningOffsets(List.of(log), timeout).get(log);
            long end = consumer.endOffsets(List.of(log), timeout).get(log);
            Optional<SnapshotWatermark> w = SnapshotWatermark.read(consumer, config,
                    new LogRecordSerde(new SchemaRegistryClient(config.registry())), timeout);
            int members = 0;
            if (w.isPresent()) {
                ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(config.snapshotApplicationId())).all()
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(config.snapshotApplicationId());
                members = group.members().size();
            }
            return new SnapshotStatus(start, end, w.map(SnapshotWatermark::logOffset).orElse(-1L), members, config.logRetention().map(Duration::toMillis).orElse(-1L));
        } catch (ExecutionException | TimeoutException e) {
            throw new KafkaUnavailableException("cannot read the snapshot process's group '" + config.snapshotApplicationId() + "': "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaUnavailableException("interrupted", e);
        }
    }

    /** The status lines: the log's extent, and the snapshot's watermark with its lag and process. */
    public String render() {
        String kept = retentionMs < 0 ? "unlimited retention" : "retention " + Duration.ofMillis(retentionMs);
        String logLine = "log first offset: " + logStart + " (" + kept + ")";
        if (watermark < 0) {
            return logLine + "\nsnapshot: none" + (retentionMs >= 0 ? " (a finite retention needs one!)" : "")
                    + "; 'tailwater compact' keeps one";
        }
        // the records after the watermark: those of transactions not yet taken, plus the transaction markers
        long behind = Math.max(0, logEnd - 1 - watermark);
        return logLine + "\nsnapshot: watermark at log offset " + watermark + ", " + behind + " record(s) behind the log end; compact "
                + (compactMembers > 0 ? "RUNNING" : "NOT RUNNING");
    }
}
