package io.tailwater.log;

import io.tailwater.config.StreamConfig;
import io.tailwater.schemas.event.TransactionEnd;
import io.tailwater.schemas.serde.LogRecordSerde;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * How far a stream's snapshot topic reflects the log: the last transaction end it took in whole.
 *
 * @param logOffset the log offset of that transaction end; the snapshot holds every change up to it
 * @param transactionEnd the log's transaction end there (its position, and capture's source offset)
 * @param snapshotEnd the snapshot topic's end offset when read
 */
public record SnapshotWatermark(long logOffset, TransactionEnd transactionEnd, long snapshotEnd) {

    /** The snapshot's watermark, read backwards from its end; empty when there is no snapshot topic or it holds none yet. */
    public static Optional<SnapshotWatermark> read(KafkaConsumer<byte[], byte[]> consumer, StreamConfig config, LogRecordSerde serde,
                                                   Duration timeout) {
        long[] end = new long[1];
        return last(consumer, config, SnapshotRecords.WATERMARK_KEY, timeout, end).map(r -> new SnapshotWatermark(
                SnapshotRecords.logOffset(r.headers()), (TransactionEnd) serde.deserialize(r.value()), end[0]));
    }

    /** The snapshot's latest committed record of {@code key}, read backwards from the end in growing windows. */
    static Optional<ConsumerRecord<byte[], byte[]>> last(KafkaConsumer<byte[], byte[]> consumer, StreamConfig config, String key,
                                                        Duration timeout, long[] endOut) {
        String topic = config.snapshotTopic();
        byte[] wanted = key.getBytes(StandardCharsets.UTF_8);
        try {
            if (consumer.partitionsFor(topic, timeout).isEmpty()) {
                return Optional.empty();
            }
            TopicPartition tp = new TopicPartition(topic, 0);
            long begin = consumer.beginningOffsets(List.of(tp), timeout).get(tp);
            long end = consumer.endOffsets(List.of(tp), timeout).get(tp);
            endOut[0] = end;
            long window = 100;
            for (long to = end; to > begin; window *= 4) {
                long from = Math.max(begin, to - window);
                List<ConsumerRecord<byte[], byte[]>> found = new ArrayList<>(1);
                LogRange.forEach(consumer, tp, from, to, timeout, r -> {
                    if (Arrays.equals(r.key(), wanted)) {
                        found.clear();
                        found.add(r);
                    }
                });
                if (!found.isEmpty()) {
                    return Optional.of(found.getFirst());
                }
                to = from;
            }
            return Optional.empty();
        } catch (TimeoutException e) {
            throw KafkaUnavailableException.notReturned(config, topic, timeout, e);
        }
    }
}
