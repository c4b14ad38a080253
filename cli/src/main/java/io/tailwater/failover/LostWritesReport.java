package io.tailwater.failover;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tailwater.capture.SlotBacklog;
import io.tailwater.capture.postgres.PgOutputMessages;
import io.tailwater.schemas.event.Lsn;

import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

/**
 * The report {@code rejoin} writes of the transactions a former leader committed that never
 * reached the log: one JSON object per line and changed row, with the transaction id, commit
 * LSN and time, table, operation, key (the replica identity, as PostgreSQL's text), the old key
 * when an update changed it, and the new row. Columns an update left unchanged and unsent are
 * listed under {@code unchanged} rather than given a value.
 */
final class LostWritesReport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LostWritesReport() {
    }

    /** Writes the report (an empty file when nothing was lost); replaces an earlier one. */
    static void write(Path file, List<SlotBacklog.Transaction> lost) {
        try {
            // Row data: readable by its owner only, where the file system has owners.
            Files.deleteIfExists(file);
            if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
        } catch (IOException e) {
            throw new RejoinException("cannot write the lost-writes report " + file + ": " + e.getMessage()
                    + "; give a writable path with --report. Nothing was changed on the former leader but that its writes are stopped", e);
        }
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (SlotBacklog.Transaction t : lost) {
                for (SlotBacklog.Change c : t.changes()) {
                    w.write(line(t, c));
                    w.write('\n');
                }
            }
        } catch (IOException e) {
            throw new RejoinException("cannot write the lost-writes report " + file + ": " + e.getMessage()
                    + "; give a writable path with --report. Nothing was changed on the former leader but that its writes are stopped", e);
        }
    }

    private static String line(SlotBacklog.Transaction t, SlotBacklog.Change c) throws IOException {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("xid", t.xid());
            g.writeStringField("commit_lsn", Lsn.format(t.endLsn()));
            g.writeStringField("commit_time", t.commitTime().toString());
            g.writeStringField("table", c.table().qualified());
            g.writeStringField("op", c.kind().word());
            if (c.kind() != SlotBacklog.Kind.TRUNCATE) {
                values(g, "key", c.key());
            }
            if (!c.oldKey().isEmpty()) {
                values(g, "old_key", c.oldKey());
            }
            if (!c.row().isEmpty()) {
                values(g, "row", c.row());
                List<String> unchanged = c.row().entrySet().stream().filter(e -> e.getValue() == PgOutputMessages.UNCHANGED)
                        .map(Map.Entry::getKey).toList();
                if (!unchanged.isEmpty()) {
                    g.writeArrayFieldStart("unchanged");
                    for (String name : unchanged) {
                        g.writeString(name);
                    }
                    g.writeEndArray();
                }
            }
            g.writeEndObject();
        }
        return out.toString();
    }

    private static void values(JsonGenerator g, String field, Map<String, String> values) throws IOException {
        g.writeObjectFieldStart(field);
        for (Map.Entry<String, String> e : values.entrySet()) {
            if (e.getValue() != PgOutputMessages.UNCHANGED) {
                g.writeStringField(e.getKey(), e.getValue());
            }
        }
        g.writeEndObject();
    }
}
