package io.tailwater.log;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/** Reads the committed records of a log partition in an offset range, in order, without holding them. */
public final class LogRange {
    private LogRange() {
    }

    /**
     * Hands each committed record in {@code [from, to)} to {@code action}.
     *
     * @throws TimeoutException when the read makes no progress for {@code timeout} (the broker is away)
     */
    public static void forEach(KafkaConsumer<byte[], byte[]> consumer, TopicPartition tp, long from, long to, Duration timeout,
                               Consumer<ConsumerRecord<byte[], byte[]>> action) {
        consumer.assign(List.of(tp));
        consumer.seek(tp, from);
        long position = from;
        long lastProgress = System.nanoTime();
        while (position < to) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                if (r.offset() < to) {
                    action.accept(r);
                }
            }
            long now = consumer.position(tp, timeout);
            if (now > position) {
                position = now;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > timeout.toNanos()) {
                throw new TimeoutException("no records of " + tp + " past offset " + position + " within " + timeout.toSeconds() + "s");
            }
        }
    }
}
