package io.tailwater.capture;

import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** Debezium's embedded engine on a thread of its own, feeding a {@link LogWriter}: one reader of a stream's leader. */
final class DebeziumReader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DebeziumReader.class);

    private final String stream;
    private final DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
    private final ExecutorService executor;

    private DebeziumReader(String stream, DebeziumEngine<RecordChangeEvent<SourceRecord>> engine, ExecutorService executor) {
        this.stream = stream;
        this.engine = engine;
        this.executor = executor;
    }

    /** Starts the engine with {@code props}; {@code stopped} hears how it ends. */
    static DebeziumReader start(String stream, Properties props, LogWriter writer, DebeziumEngine.CompletionCallback stopped) {
        DebeziumEngine<RecordChangeEvent<SourceRecord>> engine = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                .using(props)
                .using(stopped)
                .notifying(writer)
                .build();
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "tailwater-capture-" + stream));
        executor.execute(engine);
        return new DebeziumReader(stream, engine, executor);
    }

    /** The engine, whose signaler asks it for a snapshot. */
    DebeziumEngine<?> engine() {
        return engine;
    }

    @Override
    public void close() {
        try {
            engine.close();
        } catch (IOException | RuntimeException e) {
            LOG.debug("Debezium engine of stream '{}' did not close cleanly: {}", stream, e.toString());
        }
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("Capture of stream '{}' did not stop within 30 s", stream);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
