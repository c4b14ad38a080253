package io.tailwater.capture;

import io.debezium.config.CommonConnectorConfig;
import io.debezium.pipeline.notification.InitialSnapshotNotificationService;
import io.debezium.pipeline.notification.Notification;
import io.debezium.pipeline.notification.channels.NotificationChannel;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Debezium notification channel (named {@value #NAME}, found by {@link java.util.ServiceLoader})
 * that tells a capture's {@link JoiningTables} when a snapshot completed or was aborted.
 * Debezium sends it before streaming resumes, so no change streamed after a snapshot is ever
 * left out.
 */
public final class SnapshotNotifications implements NotificationChannel {
    /** The channel's name in {@code notification.enabled.channels}. */
    static final String NAME = "tailwater";
    private static final Map<String, JoiningTables> STREAMS = new ConcurrentHashMap<>();

    private String stream;

    /** Routes the notifications of the connector named {@code stream} (Debezium's topic prefix) to {@code joining}. */
    static void register(String stream, JoiningTables joining) {
        STREAMS.put(stream, joining);
    }

    static void unregister(String stream, JoiningTables joining) {
        STREAMS.remove(stream, joining);
    }

    @Override
    public void init(CommonConnectorConfig config) {
        stream = config.getLogicalName();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void send(Notification notification) {
        if (!InitialSnapshotNotificationService.INITIAL_SNAPSHOT.equals(notification.getAggregateType())) {
            return;
        }
        JoiningTables joining = stream == null ? null : STREAMS.get(stream);
        if (joining == null) {
            return;
        }
        switch (notification.getType()) {
            case "COMPLETED", "SKIPPED" -> joining.snapshotEnded(false);
            case "ABORTED" -> joining.snapshotEnded(true);
            default -> { }
        }
    }

    @Override
    public void close() {
        // nothing held
    }
}
