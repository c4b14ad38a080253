package io.tailwater.capture.postgres;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The messages of PostgreSQL's {@code pgoutput} plugin, protocol version 1 with text values, as
 * a replication stream or {@code pg_logical_slot_peek_binary_changes} gives them (the format is
 * PostgreSQL's "Logical Replication Message Formats"). Type and origin messages are
 * {@link Other}.
 */
public final class PgOutputMessages {
    /** Seconds from the Unix epoch to PostgreSQL's (2000-01-01 UTC), the origin of pgoutput's timestamps. */
    private static final long PG_EPOCH_SECONDS = 946_684_800L;

    /** A column value pgoutput did not send: an unchanged TOASTed value of an update. */
    public static final String UNCHANGED = new String("(unchanged TOASTed value, not sent)");

    private PgOutputMessages() {
    }

    /** One pgoutput message. */
    public sealed interface Message permits Begin, Commit, Relation, Row, Truncate, LogicalMessage, Other {
    }

    /** Starts a transaction. */
    public record Begin(long finalLsn, Instant commitTime, long xid) implements Message {
    }

    /** Ends a transaction: {@code endLsn} is where its commit record ends, the position a slot confirms. */
    public record Commit(long commitLsn, long endLsn, Instant commitTime) implements Message {
    }

    /** Describes a table before its first row in the stream (and again after it changes). */
    public record Relation(int oid, String schema, String table, char replicaIdentity, List<RelationColumn> columns)
            implements Message {
    }

    /** A column of a {@link Relation}; {@code identity} when it is part of the replica identity; {@code typeModifier} -1 for none. */
    public record RelationColumn(String name, boolean identity, int typeOid, int typeModifier) {
        /** A column without a type modifier. */
        public RelationColumn(String name, boolean identity, int typeOid) {
            this(name, identity, typeOid, -1);
        }
    }

    /**
     * An insert ({@code I}), update ({@code U}) or delete ({@code D}). The tuples hold PostgreSQL's
     * text output per column, null for NULL, {@link #UNCHANGED} for a value not sent.
     *
     * @param old the old row: the replica identity ({@code K}) or the whole row ({@code O}); null when not sent
     * @param fresh the new row; null for a delete
     */
    public record Row(char op, int oid, String[] old, String[] fresh) implements Message {
    }

    /** A TRUNCATE of one or more tables. */
    public record Truncate(List<Integer> oids) implements Message {
    }

    /** A logical decoding message ({@code pg_logical_emit_message}); its content is not kept. */
    public record LogicalMessage(boolean transactional, long lsn, String prefix) implements Message {
    }

    /** A message nothing here needs (type, origin, logical decoding message). */
    public record Other(char tag) implements Message {
    }

    /** Decodes one message. */
    public static Message decode(byte[] data) {
        return decode(ByteBuffer.wrap(data));
    }

    /** Decodes one message, from the buffer's position to its limit. */
    public static Message decode(ByteBuffer b) {
        char tag = (char) b.get();
        return switch (tag) {
            case 'B' -> new Begin(b.getLong(), time(b.getLong()), Integer.toUnsignedLong(b.getInt()));
            case 'C' -> {
                b.get(); // flags, unused
                yield new Commit(b.getLong(), b.getLong(), time(b.getLong()));
            }
            case 'R' -> relation(b);
            case 'I' -> {
                int oid = b.getInt();
                expect(b, 'N');
                yield new Row('I', oid, null, tuple(b));
            }
            case 'U' -> {
                int oid = b.getInt();
                char next = (char) b.get();
                String[] old = null;
                if (next == 'K' || next == 'O') {
                    old = tuple(b);
                    next = (char) b.get();
                }
                if (next != 'N') {
                    throw new IllegalArgumentException("pgoutput update of relation " + oid + " without a new row ('" + next + "')");
                }
                yield new Row('U', oid, old, tuple(b));
            }
            case 'D' -> {
                int oid = b.getInt();
                char kind = (char) b.get();
                if (kind != 'K' && kind != 'O') {
                    throw new IllegalArgumentException("pgoutput delete of relation " + oid + " without its old row ('" + kind + "')");
                }
                yield new Row('D', oid, tuple(b), null);
            }
            case 'T' -> {
                int n = b.getInt();
                b.get(); // options: CASCADE, RESTART IDENTITY
                List<Integer> oids = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    oids.add(b.getInt());
                }
                yield new Truncate(oids);
            }
            case 'M' -> {
                boolean transactional = (b.get() & 1) != 0;
                long lsn = b.getLong();
                yield new LogicalMessage(transactional, lsn, string(b));
            }
            default -> new Other(tag);
        };
    }

    private static Relation relation(ByteBuffer b) {
        int oid = b.getInt();
        String schema = string(b);
        String table = string(b);
        char identity = (char) b.get();
        int n = b.getShort();
        List<RelationColumn> columns = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            boolean key = (b.get() & 1) != 0;
            String name = string(b);
            int type = b.getInt();
            columns.add(new RelationColumn(name, key, type, b.getInt()));
        }
        return new Relation(oid, schema, table, identity, columns);
    }

    private static String[] tuple(ByteBuffer b) {
        int n = b.getShort();
        String[] values = new String[n];
        for (int i = 0; i < n; i++) {
            char kind = (char) b.get();
            values[i] = switch (kind) {
                case 'n' -> null;
                case 'u' -> UNCHANGED;
                case 't' -> {
                    int length = b.getInt();
                    String text = new String(b.array(), b.arrayOffset() + b.position(), length, StandardCharsets.UTF_8);
                    b.position(b.position() + length);
                    yield text;
                }
                default -> throw new IllegalArgumentException("pgoutput column value of kind '" + kind + "' (binary values are not asked for)");
            };
        }
        return values;
    }

    private static String string(ByteBuffer b) {
        int start = b.position();
        while (b.get() != 0) {
            // to the terminating zero
        }
        return new String(b.array(), b.arrayOffset() + start, b.position() - start - 1, StandardCharsets.UTF_8);
    }

    private static void expect(ByteBuffer b, char tag) {
        char got = (char) b.get();
        if (got != tag) {
            throw new IllegalArgumentException("pgoutput message: expected '" + tag + "', found '" + got + "'");
        }
    }

    private static Instant time(long pgMicros) {
        return Instant.ofEpochSecond(PG_EPOCH_SECONDS + Math.floorDiv(pgMicros, 1_000_000L), Math.floorMod(pgMicros, 1_000_000L) * 1000);
    }
}
