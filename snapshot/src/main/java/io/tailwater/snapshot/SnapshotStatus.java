package io.tailwater.snapshot;

import io.tailwater.config.StreamConfig;
import io.tailwater.log.KafkaClients;
import io.tailwater.log.KafkaUnavailableException;
import io.tailwater.log.SnapshotWatermark;
import io.tailwater.schemas.registry.SchemaRegistryClient;
import io.tailwater.schemas.serde.LogRecordSerde;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
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
 * @param taken the log offset up to which {@code tailwater compact} has taken records (its group's
 *              committed offset), -1 before it first committed
 * @param untakenAgeMs how long ago the oldest log record compact has not taken was written, -1 when
 *                     it has taken every record
 */
public record SnapshotStatus(long logStart, long logEnd, long watermark, int compactMembers, long retentionMs, long taken,
                             long untakenAgeMs) {

    public static SnapshotStatus read(StreamConfig config, Duration timeout) {
        TopicPartition log = new TopicPartition(config.logTopic(), 0);
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.consumer(config, "tailwater-status-" + config.stream() + "-snapshot", Map.of());
             Admin admin = KafkaClients.admin(config, "tailwater-status-" + config.stream() + "-admin")) {
            long start = consumer.beginningOffsets(List.of(log), timeout).get(log);
            long end = consumer.endOffsets(List.of(log), timeout).get(log);
            Optional<SnapshotWatermark> w = SnapshotWatermark.read(consumer, config,
                    new LogRecordSerde(new SchemaRegistryClient(config.registry())), timeout);
            int members = 0;
            long taken = -1;
            if (w.isPresent()) {
                String group = config.snapshotApplicationId();
                members = admin.describeConsumerGroups(List.of(group)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                        .get(group).members().size();
                OffsetAndMetadata committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(log);
                taken = committed == null ? -1 : committed.offset();
            }
            // heartbeats do not move the watermark, so the age that retention threatens is that of the first record compact has not taken
            long age = taken < 0 ? -1 : untakenAge(consumer, log, Math.max(taken, start), end, timeout);
            return new SnapshotStatus(start, end, w.map(SnapshotWatermark::logOffset).orElse(-1L), members,
                    config.logRetention().map(Duration::toMillis).orElse(-1L), taken, age);
        } catch (ExecutionException | TimeoutException e) {
            throw new KafkaUnavailableException("cannot read the snapshot process's group '" + config.snapshotApplicationId() + "': "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaUnavailableException("interrupted", e);
        }
    }

    /**
     * The age of the first record at or after {@code from}, -1 when there is none: only transaction
     * markers (which a read-committed consumer does not return) may lie there.
     */
    private static long untakenAge(KafkaConsumer<byte[], byte[]> consumer, TopicPartition log, long from, long end, Duration timeout) {
        if (from >= end) {
            return -1;
        }
        consumer.assign(List.of(log));
        consumer.seek(log, from);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (consumer.position(log) < end && System.nanoTime() < deadline) {
            ConsumerRecords<byte[], byte[]> records;
            try {
                records = consumer.poll(Duration.ofMillis(200));
            } catch (OffsetOutOfRangeException e) {
                consumer.seekToBeginning(List.of(log)); // retention deleted it since: the first record left is the oldest
                continue;
            }
            for (ConsumerRecord<byte[], byte[]> r : records) {
                return Math.max(0, System.currentTimeMillis() - r.timestamp());
            }
        }
        return -1;
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
        String line = logLine + "\nsnapshot: watermark at log offset " + watermark + ", " + behind + " record(s) behind the log end; compact "
                + (compactMembers > 0 ? "RUNNING" : "NOT RUNNING");
        if (taken >= 0 && taken < logStart) {
            return line + "\nsnapshot: BROKEN: retention removed log records compact had not taken (it took the log up to offset "
                    + taken + ", the log starts at " + logStart + "), so the snapshot cannot be exact any more; build it again from a"
                    + " new initial snapshot of the leader (README: Retention and rebuild)";
        }
        if (retentionMs >= 0 && untakenAgeMs >= retentionMs / 2) {
            return line + "\nsnapshot: WARNING: its oldest untaken record is " + Duration.ofMillis(untakenAgeMs).toSeconds()
                    + "s old, over half the log's retention of " + Duration.ofMillis(retentionMs).toSeconds() + "s: "
                    + (compactMembers > 0 ? "compact is falling behind" : "start 'tailwater compact'")
                    + " before retention removes records it has not taken";
        }
        return line;
    }
}
