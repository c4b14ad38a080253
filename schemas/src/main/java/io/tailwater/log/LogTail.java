package io.tailwater.log;

import io.tailwater.schemas.event.Heartbeat;
import io.tailwater.schemas.event.LeaderChange;
import io.tailwater.schemas.event.LogEvent;
import io.tailwater.schemas.event.LogHeaders;
import io.tailwater.schemas.event.SourcePosition;
import io.tailwater.schemas.event.TransactionEnd;
import io.tailwater.schemas.serde.LogRecordSerde;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import io.tailwater.config.StreamConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The end of a replication log as capture and {@code promote} need it: the last transaction end,
 * the last position of the leader (transaction end or heartbeat), the current leader and the
 * log's byte count. Read backwards from the end in growing windows, committed records only,
 * decoding just the records it returns.
 *
 * @param logStart the log's first offset (retention moves it)
 * @param logEnd the offset after the last record (transaction markers included)
 * @param lastTransactionEnd the last transaction end, if any; when retention removed every one, the snapshot's watermark
 * @param lastMark the last transaction end or heartbeat of the current epoch and its offset, if any
 * @param leader the current leader
 * @param leaderChangeIsLast whether the current epoch's {@link LeaderChange} comes after every transaction end
 * @param logBytes the byte count of the log at its last stamped record
 */
public record LogTail(long logStart, long logEnd, Optional<TransactionEnd> lastTransactionEnd, Optional<Mark> lastMark, StreamLeader leader,
                      boolean leaderChangeIsLast, long logBytes) {

    /** A transaction end or heartbeat, at its log offset. */
    public record Mark(long offset, SourcePosition source) {
    }

    /** Reads the end of the stream's log. */
    public static LogTail read(KafkaConsumer<byte[], byte[]> consumer, StreamConfig config, LogRecordSerde serde, Duration timeout) {
        try {
            return readTail(consumer, config, serde, timeout);
        } catch (TimeoutException e) {
            throw KafkaUnavailableException.notReturned(config, config.logTopic(), timeout, e);
        }
    }

    private static LogTail readTail(KafkaConsumer<byte[], byte[]> consumer, StreamConfig config, LogRecordSerde serde, Duration timeout) {
        String topic = config.logTopic();
        TopicPartition tp = new TopicPartition(topic, 0);
        consumer.assign(List.of(tp));
        long begin = consumer.beginningOffsets(List.of(tp), timeout).get(tp);
        long logEnd = consumer.endOffsets(List.of(tp), timeout).get(tp);
        long window = 1000;
        long to = logEnd;
        long logBytes = 0;
        ConsumerRecord<byte[], byte[]> txEnd = null;
        ConsumerRecord<byte[], byte[]> mark = null;
        ConsumerRecord<byte[], byte[]> change = null;
        while (to > begin && txEnd == null && change == null) {
            long from = Math.max(begin, to - window);
            ConsumerRecord<byte[], byte[]> windowTxEnd = null;
            ConsumerRecord<byte[], byte[]> windowMark = null;
            ConsumerRecord<byte[], byte[]> windowChange = null;
            for (ConsumerRecord<byte[], byte[]> r : readRange(consumer, tp, from, to, timeout)) {
                if (LogHeaders.isKind(r.headers(), LogEvent.Kind.TX_END)) {
                    windowTxEnd = r;
                    windowMark = r;
                } else if (LogHeaders.isKind(r.headers(), LogEvent.Kind.HEARTBEAT)) {
                    windowMark = r;
                } else if (LogHeaders.isKind(r.headers(), LogEvent.Kind.LEADER_CHANGE)) {
                    windowChange = r;
                }
                logBytes = Math.max(logBytes, LogHeaders.number(r.headers(), LogHeaders.LOG_BYTES));
            }
            txEnd = windowTxEnd;
            change = windowChange;
            mark = mark != null ? mark : windowMark;
            to = from;
            window *= 4;
        }
        boolean changeIsLast = change != null && (txEnd == null || change.offset() > txEnd.offset());
        StreamLeader leader;
        if (changeIsLast) {
            leader = StreamLeader.of(change.offset(), (LeaderChange) serde.deserialize(change.value()));
        } else {
            ConsumerRecord<byte[], byte[]> last = mark != null ? mark : txEnd;
            long changeOffset = last == null ? -1 : LogHeaders.number(last.headers(), LogHeaders.LEADER_CHANGE);
            if (changeOffset >= 0 && changeOffset < begin) {
                // retention removed the leader change: the snapshot keeps the latest one
                ConsumerRecord<byte[], byte[]> copy = SnapshotWatermark.last(consumer, config, SnapshotRecords.LEADER_KEY, timeout, new long[1])
                        .filter(r -> SnapshotRecords.logOffset(r.headers()) == changeOffset).orElse(null);
                if (copy == null) {
                    throw new IllegalStateException("the log '" + topic + "' names offset " + changeOffset + " as the start of its leader"
                            + " epoch, but retention removed it (the log starts at " + begin + ") and '" + config.snapshotTopic()
                            + "' holds no copy of it; run 'tailwater compact', which keeps it");
                }
                leader = StreamLeader.of(changeOffset, (LeaderChange) serde.deserialize(copy.value()));
            } else if (changeOffset >= 0) {
                List<ConsumerRecord<byte[], byte[]>> at = readRange(consumer, tp, changeOffset, changeOffset + 1, timeout);
                if (at.isEmpty() || !LogHeaders.isKind(at.getFirst().headers(), LogEvent.Kind.LEADER_CHANGE)) {
                    throw new IllegalStateException("the log '" + topic + "' names offset " + changeOffset
                            + " as the start of its leader epoch, but holds no leader change there; it was not written by Tailwater");
                }
                leader = StreamLeader.of(changeOffset, (LeaderChange) serde.deserialize(at.getFirst().value()));
            } else {
                leader = StreamLeader.CONFIGURED;
            }
        }
        Optional<TransactionEnd> end = Optional.ofNullable(txEnd).map(r -> (TransactionEnd) serde.deserialize(r.value()));
        if (end.isEmpty() && begin > 0) {
            // retention removed every transaction end the log held: the snapshot's watermark is the last one
            end = SnapshotWatermark.read(consumer, config, serde, timeout).map(SnapshotWatermark::transactionEnd);
            consumer.assign(List.of(tp));
        }
        Optional<Mark> lastMark = Optional.ofNullable(mark).map(r -> new Mark(r.offset(), switch (serde.deserialize(r.value())) {
            case TransactionEnd t -> t.source();
            case Heartbeat h -> h.source();
            default -> throw new IllegalStateException("not a mark");
        }));
        if (changeIsLast && lastMark.isPresent() && lastMark.get().offset() < change.offset()) {
            lastMark = Optional.empty(); // the last mark is the old leader's: the change carries it
        }
        return new LogTail(begin, logEnd, end, lastMark, leader, changeIsLast, logBytes);
    }

    /** The committed records in {@code [from, to)}. */
    private static List<ConsumerRecord<byte[], byte[]>> readRange(KafkaConsumer<byte[], byte[]> consumer, TopicPartition tp,
                                                                 long from, long to, Duration timeout) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        LogRange.forEach(consumer, tp, from, to, timeout, out::add);
        return out;
    }
}
