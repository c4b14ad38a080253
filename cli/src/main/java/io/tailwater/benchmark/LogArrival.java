package io.tailwater.benchmark;

import io.tailwater.config.StreamConfig;
import io.tailwater.log.KafkaClients;
import io.tailwater.schemas.event.LogEvent;
import io.tailwater.schemas.event.LogHeaders;
import io.tailwater.schemas.event.RowChange;
import io.tailwater.schemas.registry.SchemaRegistryClient;
import io.tailwater.schemas.serde.LogRecordSerde;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Tails a stream's log during a latency run and notes when each row of the run becomes readable
 * there, as an applier reads it (read-committed): capture's share of the latency from leader
 * commit to visible on the follower, the rest being the applier's.
 */
final class LogArrival implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final LogRecordSerde serde;
    private final long[] arrived;
    private final long[] sent;
    /** {@link System#nanoTime()} minus the wall clock in nanoseconds, to put record timestamps on the run's clock. */
    private final long clockOffsetNanos = System.nanoTime() - System.currentTimeMillis() * 1_000_000;
    private final Thread thread;

    /**
     * Starts tailing {@code config}'s log at its end, for rows whose first column (the id) is 0 to
     * {@code arrived.length - 1}: {@code arrived} gets when each was read, {@code sent} when capture
     * sent it (its record's timestamp, to the millisecond), both on {@link System#nanoTime()}'s clock.
     */
    LogArrival(StreamConfig config, long[] arrived, long[] sent) {
        this.arrived = arrived;
        this.sent = sent;
        this.serde = new LogRecordSerde(new SchemaRegistryClient(config.registry()));
        this.consumer = KafkaClients.consumer(config, "tailwater-benchmark-arrival", Map.of("fetch.max.wait.ms", 10));
        TopicPartition log = new TopicPartition(config.logTopic(), 0);
        consumer.assign(List.of(log));
        consumer.seekToEnd(List.of(log));
        consumer.position(log);
        this.thread = new Thread(this::tail, "benchmark-log-arrival");
        thread.start();
    }

    private void tail() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                var records = consumer.poll(Duration.ofMillis(50));
                long now = System.nanoTime();
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    if (LogHeaders.isKind(r.headers(), LogEvent.Kind.ROW) && serde.deserialize(r.value()) instanceof RowChange c
                            && c.after() != null && c.after()[0] instanceof Number id && id.longValue() >= 0 && id.longValue() < arrived.length) {
                        arrived[(int) id.longValue()] = now;
                        sent[(int) id.longValue()] = r.timestamp() * 1_000_000 + clockOffsetNanos;
                    }
                }
            }
        } catch (WakeupException e) {
            // the run ends
        } finally {
            consumer.close(Duration.ofSeconds(2)); // on this thread: a consumer is used by one thread only
        }
    }

    @Override
    public void close() throws InterruptedException {
        consumer.wakeup();
        thread.join(10_000);
    }
}
