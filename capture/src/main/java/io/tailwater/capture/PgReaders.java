package io.tailwater.capture;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.debezium.engine.DebeziumEngine;
import io.tailwater.capture.postgres.PgSourceFormat;
import io.tailwater.config.StreamConfig;
import io.tailwater.config.StreamingDecoder;
import io.tailwater.log.LogTail;
import io.tailwater.log.StreamLeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The readers of a PostgreSQL leader's stream, one at a time: Tailwater's own pgoutput reader
 * ({@link PgOutputCapture}) streams, and Debezium takes the snapshots (the initial one, and that
 * of a table that joins later), streaming while it does. Each hands over to the other at a leader
 * transaction boundary, in process, as a restart of capture would: the log's end says where the
 * next one starts. With {@code leader.decoder: debezium}, Debezium streams throughout.
 *
 * <p>Lifecycle: {@link #start} starts the reader the log calls for; {@link #close()} stops
 * whichever runs. A reader's failure (not a hand-over) goes to the capture's {@code stopped}
 * callback.
 */
final class PgReaders implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PgReaders.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What the readers of stream {@code config.stream()} share: its slot on the leader, the
     * primary they connect to, the leader's timeline, the log they write, the tables between
     * joining and their snapshot, and where the log ends now ({@code tail}).
     */
    record Options(StreamConfig config, String slot, LeaderPrimary primary, LeaderTimeline origin, StreamLeader leader,
                   LogTransactions log, JoiningTables joining, Duration timeout, Supplier<LogTail> tail) {}

    private final Options options;
    private final String stream;
    private final DebeziumEngine.CompletionCallback stopped;
    private List<String> tables;
    /** The reader that runs now (each start counts one): what an earlier one reports is not capture's stop. */
    private volatile int generation;
    private volatile PgOutputCapture pgOutput;
    private DebeziumReader debezium;
    private NewTableWatch newTables;
    private LogWriter writer;
    private volatile boolean closing;

    /** Readers of the leader's {@code tables} (as the leader check found them); {@code stopped} hears a failure. */
    PgReaders(Options options, List<String> tables, DebeziumEngine.CompletionCallback stopped) {
        this.options = options;
        this.stream = options.config().stream();
        this.tables = tables;
        this.stopped = stopped;
    }

    /** Starts the reader the log calls for at {@code resume} (see {@link #startReading}). */
    synchronized void start(Optional<ResumePoint> resume) {
        startReading(resume);
    }

    /** What reads the leader's changes now. */
    StreamingDecoder decoder() {
        return pgOutput != null ? StreamingDecoder.TAILWATER : StreamingDecoder.DEBEZIUM;
    }

    /**
     * Starts the reader the stream needs at {@code resume}: Tailwater's own pgoutput reader when
     * {@code leader.decoder: tailwater} and the log holds a streaming position with every matching
     * table published; else Debezium, which takes the initial snapshot or the snapshot of a new
     * table, and (with {@code tailwater}) hands over to the own reader once it is in the log.
     */
    private void startReading(Optional<ResumePoint> resume) {
        StreamConfig config = options.config();
        int reader = ++generation;
        writer = new LogWriter(options.log(), stream, options.joining(), new PgSourceFormat());
        String resumeOffset = new ResumeCheck(config, options.slot(), options.primary(), options.origin(), options.timeout())
                .resumeOffset(resume, options.leader(), tables, writer);
        long startLsn = resumeOffset == null ? -1 : startLsn(resumeOffset);
        NewTableWatch.Publication publication = NewTableWatch.Publication.read(config.leader(), Capture.slotName(stream),
                options.timeout());
        boolean own = config.leader().decoder() == StreamingDecoder.TAILWATER;
        if (own && startLsn > 0 && !publication.anyUnpublished()) {
            startPgOutput(startLsn, reader);
            return;
        }
        if (own) {
            LOG.info("Capture of stream '{}' streams with Debezium until {} is in the log; then Tailwater's own pgoutput reader"
                    + " takes over", stream, startLsn <= 0 ? "the initial snapshot" : "the snapshot of a new table");
        }
        // Resuming, Debezium leaves the publication as it is: a table that joins needs its snapshot (NewTableWatch).
        debezium = DebeziumReader.start(stream, DebeziumSettings.of(config, options.primary(), options.slot(), resumeOffset,
                resumeOffset != null && !publication.tables().isEmpty()), writer,
                (success, message, error) -> readerStopped(reader, success, message, error));
        newTables = new NewTableWatch(config.leader(), stream, options.joining(),
                new NewTableWatch.Mode.TakeSnapshots(debezium.engine(), writer::streamedCommits, own ? this::handOverLater : null));
    }

    /**
     * Streams from {@code startLsn} with Tailwater's own pgoutput reader; a table that needs a
     * snapshot to join makes it hand over to Debezium (see {@link NewTableWatch}).
     */
    private void startPgOutput(long startLsn, int reader) {
        StreamConfig config = options.config();
        LeaderPrimary primary = options.primary();
        PgOutputCapture streaming = new PgOutputCapture(new PgOutputCapture.Options(stream,
                config.leader().withJdbcUrl(primary.url(config.leader().jdbcUrl())), options.slot(), Capture.slotName(stream), startLsn,
                config.leader().synchronous(), config.leader().tables(), options.timeout()), options.log(),
                error -> readerStopped(reader, error == null, null, error));
        try {
            streaming.start();
        } catch (SQLException e) {
            throw new LeaderNotReadyException("cannot stream from the replication slot '" + options.slot() + "' on " + primary + ": "
                    + e.getMessage() + "; capture stopped without writing anything more", e);
        }
        pgOutput = streaming;
        newTables = new NewTableWatch(config.leader(), stream, options.joining(), new NewTableWatch.Mode.HandOver(
                () -> streaming.handOver(new DecoderHandOverException("a new table of stream '" + stream
                        + "' needs a snapshot: capture hands streaming over to Debezium"))));
    }

    /** {@link #handOver()} on a thread of its own: the reader that asks for it stops on the way. */
    private void handOverLater() {
        Thread t = new Thread(this::handOver, "tailwater-capture-handover-" + stream);
        t.setDaemon(true);
        t.start();
    }

    /**
     * Stops the reader that streams now, whose log ends at a leader transaction boundary (an open
     * Kafka transaction is aborted), and starts the one the log and the leader call for now.
     */
    private synchronized void handOver() {
        if (closing) {
            return;
        }
        generation++; // what the stopping reader reports is not capture's stop
        try {
            stopReading();
            LogTail tail = options.tail().get();
            checkStillLeads(tail);
            tables = LeaderChecks.check(options.config().leader(), options.timeout());
            startReading(ResumePoint.of(tail));
        } catch (RuntimeException e) {
            try {
                checkStillLeads(options.tail().get()); // a promote fences capture, then drops the old leader's slot
            } catch (CaptureFencedException fenced) {
                e = fenced;
            } catch (RuntimeException unreadable) {
                // the log cannot be read: report what stopped the hand-over
            }
            stopped.handle(false, null, e);
        }
    }

    /**
     * Refuses to go on when the log names a leader this capture did not start with: a promote
     * has fenced it, and the capture of the new leader is another one's.
     */
    private void checkStillLeads(LogTail tail) {
        if (tail.leader().epoch() != options.leader().epoch()) {
            throw new CaptureFencedException("capture of stream '" + stream + "' was fenced: the log names leader epoch "
                    + tail.leader().epoch() + " (" + tail.leader().describe() + ") since this capture started on epoch "
                    + options.leader().epoch() + "; this one stopped without writing anything more", null);
        }
    }

    /** What reader {@code reader} reports about its stop: capture's stop, a hand-over, or nothing once another reader runs. */
    private void readerStopped(int reader, boolean success, String message, Throwable error) {
        if (reader != generation) {
            return;
        }
        DecoderHandOverException handOver = handOverIn(error);
        if (handOver != null) {
            LOG.info("{}", handOver.getMessage());
            handOverLater();
            return;
        }
        stopped.handle(success, message, error);
    }

    /** The hand-over among {@code error}'s causes, or null: Debezium wraps what its consumer throws. */
    private static DecoderHandOverException handOverIn(Throwable error) {
        for (Throwable c = error; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof DecoderHandOverException h) {
                return h;
            }
        }
        return null;
    }

    /** Stops whichever reader runs, and the new-table watch; the log then ends at its last committed Kafka transaction. */
    private void stopReading() {
        if (newTables != null) {
            newTables.close();
            newTables = null;
        }
        if (pgOutput != null) {
            pgOutput.close();
            pgOutput = null;
        }
        if (debezium != null) {
            debezium.close();
            debezium = null;
        }
        if (writer != null) {
            writer.abort();
        }
    }

    /** The LSN a Debezium source offset resumes from ({@code lsn}), or -1 when it names none. */
    private static long startLsn(String offset) {
        try {
            return JSON.readTree(offset).path("lsn").asLong(-1);
        } catch (IOException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        closing = true;
        synchronized (this) {
            stopReading();
        }
    }
}
