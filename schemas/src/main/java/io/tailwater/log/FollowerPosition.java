package io.tailwater.log;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * One applier's report on the positions topic {@code <stream>.positions}, keyed by follower
 * name (the topic is compacted, so it keeps the latest report of each follower).
 *
 * @param follower the follower's name
 * @param appliedOffset offset of the last log record applied to the follower (-1 for none)
 * @param consumedOffset the next log offset the applier will read; equals the log end when caught up
 * @param appliedLogBytes bytes of log record values up to the applied offset (-1 when unknown); with the
 *                        log's own count it gives the lag in bytes
 * @param leaderEpoch the leader epoch of the last applied record
 * @param lsn leader LSN of the last applied record
 * @param txId last applied leader transaction
 * @param commitMicros leader commit time of the last applied record (heartbeats move it while the leader is idle)
 * @param reportedAtMillis when the applier sent this report
 * @param state what the applier is doing
 * @param error why it failed, when {@code state} is FAILED
 * @param gtid a MariaDB leader's GTID position of the last applied record; null for a PostgreSQL leader
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record FollowerPosition(String follower, long appliedOffset, long consumedOffset,
                               long appliedLogBytes, int leaderEpoch, long lsn, String txId,
                               long commitMicros, long reportedAtMillis, FollowerState state, String error, String gtid) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Keeps a record of the positions topic in {@code latest}, by follower name, if it is a report (not a tombstone). */
    static void keep(org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> r, java.util.Map<String, FollowerPosition> latest) {
        if (r.key() != null && r.value() != null) {
            latest.put(new String(r.key(), java.nio.charset.StandardCharsets.UTF_8), fromJson(r.value()));
        }
    }

    public static FollowerPosition fromJson(byte[] json) {
        try {
            return JSON.readValue(json, FollowerPosition.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
