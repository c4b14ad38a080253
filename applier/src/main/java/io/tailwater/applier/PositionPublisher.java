package io.tailwater.applier;

import io.tailwater.applier.jdbc.AppliedPosition;
import io.tailwater.log.FollowerPosition;
import io.tailwater.log.FollowerState;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Publishes a follower's position to the stream's positions topic, for {@code status}, {@code await} and promote. */
final class PositionPublisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PositionPublisher.class);

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    private final String follower;
    private final byte[] key;
    private long lastNanos;

    PositionPublisher(KafkaProducer<byte[], byte[]> producer, String topic, String follower) {
        this.producer = producer;
        this.topic = topic;
        this.follower = follower;
        this.key = follower.getBytes(StandardCharsets.UTF_8);
    }

    /** Sends the position: {@code applied} (or nothing yet), the next offset to read, the state and any error. Never throws. */
    void publish(AppliedPosition a, long consumed, FollowerState state, String error) {
        lastNanos = System.nanoTime();
        FollowerPosition p = new FollowerPosition(follower, a == null ? -1 : a.logOffset(), consumed,
                a == null ? -1 : a.logBytes(), a == null ? 0 : a.leaderEpoch(), a == null ? -1 : a.lsn(), a == null ? null : a.txId(),
                a == null ? 0 : a.commitMicros(), System.currentTimeMillis(), state, error, a == null ? null : a.gtid());
        try {
            producer.send(new ProducerRecord<>(topic, key, p.toJson()));
        } catch (RuntimeException e) {
            LOG.debug("Could not publish the position of follower '{}': {}", follower, e.toString());
        }
    }

    /** Nanoseconds since the last {@link #publish}. */
    long sinceLastNanos() {
        return System.nanoTime() - lastNanos;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(2));
    }
}
