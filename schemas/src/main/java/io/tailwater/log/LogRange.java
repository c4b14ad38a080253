package io.tailwater.log;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/** Reads the committed records of a log partition in an offset range, in order, without holding them. */
public final class LogRange {
    private LogRange() {
    }

    /**
     * Hands each committed record in {@code [from, to)} to {@code action}; waits up to
     * {@code timeout} for each fetch position.
     */
    public static void forEach(KafkaConsumer<byte[], byte[]> consumer, TopicPartition tp, long from, long to, Duration timeout,
                               Consumer<ConsumerRecord<byte[], byte[]>> action) {
        consumer.assign(List.of(tp));
        consumer.seek(tp, from);
        while (consumer.position(tp, timeout) < to) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                if (r.offset() < to) {
                    action.accept(r);
                }
            }
        }
    }
}
