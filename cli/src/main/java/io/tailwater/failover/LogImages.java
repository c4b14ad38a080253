package io.tailwater.failover;

import io.tailwater.applier.jdbc.PositionedEvent;
import io.tailwater.capture.SlotBacklog;
import io.tailwater.capture.postgres.PgOutputMessages;
import io.tailwater.capture.postgres.PgValueConverter;
import io.tailwater.config.StreamConfig;
import io.tailwater.log.KafkaClients;
import io.tailwater.log.KafkaUnavailableException;
import io.tailwater.log.LogRange;
import io.tailwater.schemas.AvroValues;
import io.tailwater.schemas.Column;
import io.tailwater.schemas.TableId;
import io.tailwater.schemas.TableSchema;
import io.tailwater.schemas.Unchanged;
import io.tailwater.schemas.ValueText;
import io.tailwater.schemas.event.LogEvent;
import io.tailwater.schemas.event.LogHeaders;
import io.tailwater.schemas.event.Op;
import io.tailwater.schemas.event.RowChange;
import io.tailwater.schemas.event.SourcePosition;
import io.tailwater.schemas.event.TransactionEnd;
import io.tailwater.schemas.event.Truncate;
import io.tailwater.schemas.registry.SchemaRegistryClient;
import io.tailwater.schemas.serde.LogRecordSerde;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.errors.TimeoutException;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the log holds of the rows a former leader's held transactions touched, up to the leader
 * change that ended its epoch: the last image of each touched row (or that the row is absent),
 * every change of the tables that can only be rebuilt whole, and which of the held transactions
 * the log has. Read in one pass of the log; only rows of touched tables are decoded.
 *
 * <p>Rows are matched by key: a held change's key is PostgreSQL's text, turned into the log's
 * value the way capture turns it ({@link PgValueConverter#logValue}). Tables whose rows have no
 * key ({@code REPLICA IDENTITY FULL}), and tables a held transaction truncated, are rebuilt from
 * every change the log holds of them, which this keeps in memory.
 */
final class LogImages {
    private final Map<String, TouchedTable> tables = new HashMap<>();
    private final Set<String> heldTransactions = new HashSet<>();
    private final Set<String> loggedTransactions = new HashSet<>();
    private final List<PositionedEvent> open = new ArrayList<>();

    private LogImages(List<SlotBacklog.Transaction> held) {
        for (SlotBacklog.Transaction t : held) {
            heldTransactions.add(transaction(t.xid(), AvroValues.epochMicros(t.commitTime())));
            for (SlotBacklog.Change c : t.changes()) {
                TouchedTable table = tables.computeIfAbsent(c.table().qualified(), q -> new TouchedTable(c.table()));
                // no key to match rows by: a truncate, REPLICA IDENTITY FULL, or a table without one (inserts only)
                table.rebuild |= c.kind() == SlotBacklog.Kind.TRUNCATE || c.wholeRowIdentity() || c.identity().isEmpty();
                for (KeySource k : keySources(c)) {
                    table.sources.add(k.image());
                }
            }
        }
    }

    /**
     * A transaction as both sides name it: its id and commit time. Ids alone repeat once they
     * wrap around (32 bits), within an epoch that lasts long enough.
     */
    private static String transaction(long xid, long commitMicros) {
        return xid + "@" + commitMicros;
    }

    /**
     * Reads the log from its first record to {@code end}; transactions ends from
     * {@code epochStart} on are the former leader's, matched against the held ones. A log whose
     * start has expired cannot give every row's image: refused.
     */
    static LogImages read(StreamConfig config, Duration timeout, List<SlotBacklog.Transaction> held, long epochStart, long end) {
        LogImages images = new LogImages(held);
        LogRecordSerde serde = new LogRecordSerde(new SchemaRegistryClient(config.registry()));
        TopicPartition tp = new TopicPartition(config.logTopic(), 0);
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.consumer(config, "tailwater-rejoin-" + config.stream(), Map.of())) {
            long begin = consumer.beginningOffsets(List.of(tp), timeout).get(tp);
            if (begin > 0) {
                throw new RejoinException("the log '" + config.logTopic() + "' starts at offset " + begin + ": its start has expired, so"
                        + " the rows the former leader's lost writes touched cannot all be given the log's state. Rebuild the former"
                        + " leader instead: empty the stream's tables there, drop tailwater_position, and start its applier");
            }
            LogRange.forEach(consumer, tp, begin, end, timeout, r -> images.add(r, serde, epochStart));
        } catch (TimeoutException e) {
            throw KafkaUnavailableException.notReturned(config, config.logTopic(), timeout, e);
        }
        images.open.clear(); // rows of a transaction whose end never reached the log: the transaction is not in it
        return images;
    }

    /** Whether the log holds the held transaction. */
    boolean logged(SlotBacklog.Transaction t) {
        return loggedTransactions.contains(transaction(t.xid(), AvroValues.epochMicros(t.commitTime())));
    }

    private void add(ConsumerRecord<byte[], byte[]> r, LogRecordSerde serde, long epochStart) {
        if (LogHeaders.isKind(r.headers(), LogEvent.Kind.ROW) || LogHeaders.isKind(r.headers(), LogEvent.Kind.TRUNCATE)) {
            Header table = r.headers().lastHeader(LogHeaders.TABLE);
            if (table != null && tables.containsKey(new String(table.value(), StandardCharsets.UTF_8))) {
                open.add(new PositionedEvent(r.offset(), serde.deserialize(r.value())));
            }
        } else if (LogHeaders.isKind(r.headers(), LogEvent.Kind.TX_END)) {
            if (r.offset() >= epochStart && serde.deserialize(r.value()) instanceof TransactionEnd t) {
                String id = transaction(t.source().txId(), t.source().timestampMicros());
                if (heldTransactions.contains(id)) {
                    loggedTransactions.add(id);
                }
            }
            for (PositionedEvent e : open) {
                apply(e);
            }
            open.clear();
        } else if (LogHeaders.isKind(r.headers(), LogEvent.Kind.LEADER_CHANGE)) {
            open.clear();
        }
    }

    private void apply(PositionedEvent e) {
        switch (e.event()) {
            case RowChange r -> tables.get(r.table().id().qualified()).apply(r, e);
            case Truncate t -> tables.get(t.table().qualified()).truncate(e);
            default -> { }
        }
    }

    /**
     * The changes that bring every row the {@code lost} transactions touched to the log's state:
     * upserts of the log's last images, deletes of rows the log does not have, and whole-table
     * rebuilds. At {@code offset} (the leader change), for messages.
     */
    List<PositionedEvent> restore(List<SlotBacklog.Transaction> held, List<SlotBacklog.Transaction> lost, long offset) {
        SourcePosition position = new SourcePosition(-1, -1, -1, 0, false);
        // Whether each key's row existed before the first held change of it: then the log must have had an image of it.
        Map<String, Map<Map<String, String>, Boolean>> existedBefore = new HashMap<>();
        for (SlotBacklog.Transaction t : held) {
            for (SlotBacklog.Change c : t.changes()) {
                TouchedTable table = tables.get(c.table().qualified());
                for (KeySource k : keySources(c)) {
                    Map<String, String> key = table.latest == null ? null : table.restrict(k.image(), table.latest);
                    if (key != null) {
                        existedBefore.computeIfAbsent(c.table().qualified(), q -> new HashMap<>()).putIfAbsent(key, k.existedBefore());
                    }
                }
            }
        }
        Map<String, Set<Map<String, String>>> keysByTable = new LinkedHashMap<>();
        for (SlotBacklog.Transaction t : lost) {
            for (SlotBacklog.Change c : t.changes()) {
                TouchedTable table = tables.get(c.table().qualified());
                Set<Map<String, String>> keys = keysByTable.computeIfAbsent(c.table().qualified(), q -> new LinkedHashSet<>());
                if (table.rebuild || table.latest == null) {
                    continue;
                }
                boolean keyed = false;
                for (KeySource k : keySources(c)) {
                    Map<String, String> key = table.restrict(k.image(), table.latest);
                    if (key != null) {
                        keys.add(key);
                        keyed = true;
                    }
                }
                if (!keyed) {
                    throw new RejoinException("the " + c.kind().word() + " of transaction " + t.xid() + " on table " + table.id
                            + " does not carry the key the log has for the table; its row cannot be found. Nothing was changed on the"
                            + " former leader but that its writes are stopped");
                }
            }
        }
        List<PositionedEvent> out = new ArrayList<>();
        for (Map.Entry<String, Set<Map<String, String>>> e : keysByTable.entrySet()) {
            TouchedTable table = tables.get(e.getKey());
            if (table.rebuild || table.latest == null) {
                // rebuilt whole; a table the log holds no row of is empty in the log's state
                out.add(new PositionedEvent(offset, new Truncate(table.id, position)));
                out.addAll(table.events);
                continue;
            }
            for (Map<String, String> key : e.getValue()) {
                Image image = table.images.get(key);
                if (image == null) {
                    if (!table.seen.contains(key) && existedBefore.getOrDefault(e.getKey(), Map.of()).getOrDefault(key, false)) {
                        throw new RejoinException("the row of table " + table.id + " with key " + key + " existed before the former"
                                + " leader's lost writes changed it, but no row in the log matches that key; rejoin cannot give it the"
                                + " log's state. Nothing was changed on the former leader but that its writes are stopped");
                    }
                    out.add(new PositionedEvent(offset, new RowChange(table.latest, Op.DELETE, table.keyRow(key), null, position)));
                } else if (Unchanged.in(image.row)) {
                    throw new RejoinException("the log holds only part of the row of table " + table.id + " with key " + key
                            + " (an update that left TOASTed values out, and no earlier image of the row); rejoin cannot give it the log's"
                            + " state. Nothing was changed on the former leader but that its writes are stopped");
                } else {
                    out.add(new PositionedEvent(offset, new RowChange(table.latest, Op.READ, null, table.project(image), position)));
                }
            }
        }
        return out;
    }

    /**
     * A row image a change names a row by, and whether that row existed before the change: the
     * new row of an insert did not, nor that of an update that changed the key.
     */
    private record KeySource(Map<String, String> image, boolean existedBefore) {
    }

    /** The row images a change names rows by: the new row, and the old one when the leader sent it. */
    private static List<KeySource> keySources(SlotBacklog.Change c) {
        List<KeySource> out = new ArrayList<>(2);
        if (!c.row().isEmpty()) {
            out.add(new KeySource(c.row(), c.kind() == SlotBacklog.Kind.UPDATE && c.old().isEmpty()));
        }
        if (!c.old().isEmpty()) {
            out.add(new KeySource(c.old(), true));
        }
        return out;
    }

    /** A row's last image in the log, in the table version it came with. */
    private record Image(TableSchema table, Object[] row) {
    }

    /** One table held transactions touched, and what the log says of it. */
    private static final class TouchedTable {
        final TableId id;
        boolean rebuild;
        /** The row images of held changes, by column (text); the touched keys are taken from them. */
        final Set<Map<String, String>> sources = new LinkedHashSet<>();
        /** By table version: the log value of each touched key, to the key's text. */
        final Map<TableSchema, Map<List<Object>, Map<String, String>>> keysByVersion = new IdentityHashMap<>();
        /** The touched keys the log has had a row of, at any time. */
        final Set<Map<String, String>> seen = new HashSet<>();
        /** The last image of each touched key; a key missing here is not in the log's state. */
        final Map<Map<String, String>, Image> images = new HashMap<>();
        /** Every change of a table to rebuild, in log order. */
        final List<PositionedEvent> events = new ArrayList<>();
        TableSchema latest;

        TouchedTable(TableId id) {
            this.id = id;
        }

        void apply(RowChange r, PositionedEvent e) {
            latest = r.table();
            if (rebuild) {
                events.add(e);
                return;
            }
            if (!r.table().hasKey()) {
                throw new IllegalStateException("table " + id + " has no key in the log at offset " + e.offset()
                        + ", but the former leader's slot gave it a key");
            }
            Map<String, String> key = keysByVersion.computeIfAbsent(r.table(), this::touchedKeys).get(r.table().identityValues(r.keyImage()));
            if (key == null) {
                return;
            }
            seen.add(key);
            if (r.op() == Op.DELETE) {
                images.remove(key);
                return;
            }
            Object[] row = r.after();
            Image earlier = images.get(key);
            if (Unchanged.in(row) && earlier != null) {
                row = withEarlierValues(r.table(), row, earlier);
            }
            images.put(key, new Image(r.table(), row));
        }

        void truncate(PositionedEvent e) {
            if (rebuild) {
                events.add(e);
            } else {
                images.clear();
            }
        }

        /**
         * An image in the table's latest version, by column name: a column added after it has the
         * value followers gave existing rows, its default (or null).
         */
        Object[] project(Image image) {
            if (image.table == latest) {
                return image.row;
            }
            Object[] out = new Object[latest.columns().size()];
            for (int i = 0; i < out.length; i++) {
                Column c = latest.columns().get(i);
                int j = indexOf(image.table, c.name());
                out[i] = j >= 0 ? image.row[j] : c.defaultText() == null ? null : ValueText.parse(c, c.defaultText());
            }
            return out;
        }

        private static int indexOf(TableSchema table, String column) {
            for (int j = 0; j < table.columns().size(); j++) {
                if (table.columns().get(j).name().equals(column)) {
                    return j;
                }
            }
            return -1;
        }

        /** The touched keys in a table version: their log values to their text. */
        private Map<List<Object>, Map<String, String>> touchedKeys(TableSchema version) {
            Map<List<Object>, Map<String, String>> out = new HashMap<>();
            for (Map<String, String> source : sources) {
                Map<String, String> key = restrict(source, version);
                if (key != null) {
                    out.put(version.identityValues(keyRow(version, key)), key);
                }
            }
            return out;
        }

        /** The key columns of {@code version} of a row image, or null when the image lacks one. */
        Map<String, String> restrict(Map<String, String> source, TableSchema version) {
            Map<String, String> key = new LinkedHashMap<>();
            for (int i : version.identityIndexes()) {
                String name = version.columns().get(i).name();
                String text = source.get(name);
                if (text == null || text == PgOutputMessages.UNCHANGED) {
                    return null;
                }
                key.put(name, text);
            }
            return key;
        }

        /** A row of {@code version} with just the key's values, in the log's form. */
        Object[] keyRow(TableSchema version, Map<String, String> key) {
            Object[] row = new Object[version.columns().size()];
            for (int i : version.identityIndexes()) {
                Column c = version.columns().get(i);
                String text = key.get(c.name());
                try {
                    row[i] = PgValueConverter.logValue(c, text);
                } catch (SQLException | RuntimeException e) {
                    throw new RejoinException("the key value '" + text + "' of column \"" + c.name().replace("\"", "\"\"") + "\" of table "
                            + id + " in the former leader's slot cannot be read as the log's " + c.type() + ": " + e.getMessage()
                            + ". Nothing was changed on the former leader", e);
                }
            }
            return row;
        }

        Object[] keyRow(Map<String, String> key) {
            return keyRow(latest, key);
        }

        /** The row with the values an update left out taken from the row's earlier image, by column name. */
        private static Object[] withEarlierValues(TableSchema table, Object[] row, Image earlier) {
            Object[] out = row.clone();
            for (int i = 0; i < out.length; i++) {
                if (out[i] == Unchanged.VALUE) {
                    int j = indexOf(earlier.table, table.columns().get(i).name());
                    if (j >= 0) {
                        out[i] = earlier.row[j];
                    }
                }
            }
            return out;
        }
    }
}
