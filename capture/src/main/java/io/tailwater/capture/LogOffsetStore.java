package io.tailwater.capture;

import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.storage.OffsetBackingStore;
import org.apache.kafka.connect.util.Callback;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;

/**
 * Debezium's offset store for capture. The replication log is the only durable offset store:
 * capture reads the source offset of the last committed transaction-end record and hands it to
 * this store through the engine property {@value #RESUME_OFFSET}. What Debezium commits while
 * running is kept in memory only; it decides how far the replication slot may advance, and
 * capture only marks records processed once Kafka has committed them.
 */
public final class LogOffsetStore implements OffsetBackingStore {
    /** Engine property holding the resume offset as JSON (absent for an empty log). */
    public static final String RESUME_OFFSET = "tailwater.resume.offset";

    private final Map<ByteBuffer, ByteBuffer> data = new ConcurrentHashMap<>();
    private volatile ByteBuffer resume;

    @Override
    public void configure(WorkerConfig config) {
        Object offset = config.originals().get(RESUME_OFFSET);
        resume = offset == null ? null : ByteBuffer.wrap(offset.toString().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void start() {
    }

    @Override
    public void stop() {
    }

    @Override
    public Future<Map<ByteBuffer, ByteBuffer>> get(Collection<ByteBuffer> keys) {
        Map<ByteBuffer, ByteBuffer> out = new HashMap<>();
        for (ByteBuffer key : keys) {
            ByteBuffer value = data.get(key);
            out.put(key, value != null ? value : resume == null ? null : resume.duplicate());
        }
        return CompletableFuture.completedFuture(out);
    }

    @Override
    public Future<Void> set(Map<ByteBuffer, ByteBuffer> values, Callback<Void> callback) {
        data.putAll(values);
        if (callback != null) {
            callback.onCompletion(null, null);
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public Set<Map<String, Object>> connectorPartitions(String connectorName) {
        return Set.of();
    }
}
