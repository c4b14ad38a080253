package io.tailwater.log;

import io.tailwater.config.StreamConfig;
import io.tailwater.schemas.event.Gtids;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;

/**
 * Waits until followers have applied a leader position: read-your-writes on a follower, and
 * semi-synchronous commits (acknowledge a write only once a follower has it).
 *
 * <p>After a commit on the leader, read {@code pg_current_wal_lsn()} on the same connection and
 * pass it to {@link #await}. A follower has the write once it has applied a log record whose
 * leader LSN is at least that far, in the current leader's epoch. The waiter follows the positions topic, to which every
 * applier reports after each group it applies, so one instance serves many waits; it is not
 * thread-safe, give each thread its own.
 */
public final class FollowerWait implements AutoCloseable {
    private final StreamConfig config;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final TopicPartition partition;
    private final Map<String, FollowerPosition> latest = new HashMap<>();

    public FollowerWait(StreamConfig config) {
        this.config = config;
        this.partition = new TopicPartition(config.positionsTopic(), 0);
        this.consumer = KafkaClients.consumer(config, "tailwater-" + config.stream() + "-await", Map.of("fetch.max.wait.ms", 10));
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
    }

    /**
     * Waits until at least {@code required} of {@code followers} have applied leader position
     * {@code lsn}, or {@code timeout} passes.
     *
     * @param lsn a leader LSN, such as {@code pg_current_wal_lsn()} read after the commit
     * @param followers the followers to wait for, by name
     * @param required how many of them must have it (1 for "any", {@code followers.size()} for "all")
     * @return which followers have it and which do not, at the moment the wait ended
     * @throws IllegalArgumentException for a follower the stream does not have, or an impossible count
     */
    public Result await(long lsn, Collection<String> followers, int required, Duration timeout) {
        return await(lsn, (p, epoch) -> p.leaderEpoch() == epoch && p.lsn() >= lsn, followers, required, timeout);
    }

    /**
     * Waits until at least {@code required} of {@code followers} have applied a MariaDB leader's
     * GTID position {@code gtids}, such as {@code @@last_gtid} read after the commit: a follower
     * has it once the GTID position of the last log record it applied contains it, domain by
     * domain. Otherwise as {@link #await(long, Collection, int, Duration)}.
     */
    public Result awaitGtid(Gtids gtids, Collection<String> followers, int required, Duration timeout) {
        return await(-1, (p, epoch) -> p.gtid() != null && Gtids.parse(p.gtid()).contains(gtids), followers, required, timeout);
    }

    private Result await(long lsn, BiPredicate<FollowerPosition, Integer> has, Collection<String> followers, int required,
                         Duration timeout) {
        for (String f : followers) {
            if (!config.followers().containsKey(f)) {
                throw new IllegalArgumentException("stream '" + config.stream() + "' has no follower '" + f + "'; it has "
                        + config.followers().keySet());
            }
        }
        if (required < 1 || required > followers.size()) {
            throw new IllegalArgumentException("cannot wait for " + required + " of " + followers.size() + " followers");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Result result = result(lsn, has, followers);
            if (result.reached().size() >= required) {
                return result;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return result;
            }
            try {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofNanos(Math.min(left, 50_000_000L)))) {
                    FollowerPosition.keep(r, latest);
                }
            } catch (KafkaException e) {
                throw new KafkaUnavailableException("cannot read '" + config.positionsTopic() + "' from Kafka at "
                        + config.kafka().get("bootstrap.servers") + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * The followers that have {@code lsn}. LSNs are the current leader's, and a promote starts a
     * new leader with LSNs of its own: only a position of the newest epoch any follower reports
     * is compared (a follower that applied the leader change reports no LSN until the new
     * leader's first transaction), so an LSN of the new leader never matches one of the old.
     */
    private Result result(long lsn, BiPredicate<FollowerPosition, Integer> has, Collection<String> followers) {
        int epoch = latest.values().stream().mapToInt(FollowerPosition::leaderEpoch).max().orElse(0);
        List<String> reached = new ArrayList<>();
        Map<String, FollowerPosition> missing = new HashMap<>();
        for (String f : followers) {
            FollowerPosition p = latest.get(f);
            if (p != null && has.test(p, epoch)) {
                reached.add(f);
            } else {
                missing.put(f, p);
            }
        }
        return new Result(lsn, reached, missing);
    }

    /**
     * How a wait ended.
     *
     * @param lsn the leader LSN waited for; -1 for a wait for a GTID position
     * @param reached the followers that have applied it
     * @param missing the followers that have not, with their latest report ({@code null} if they never reported)
     */
    public record Result(long lsn, List<String> reached, Map<String, FollowerPosition> missing) {
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}
