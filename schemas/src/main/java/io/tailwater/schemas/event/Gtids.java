package io.tailwater.schemas.event;

import java.util.Map;
import java.util.TreeMap;

/**
 * A MariaDB GTID position: per replication domain, the last transaction in, as MariaDB writes
 * it ({@code gtid_binlog_pos}): {@code domain-server-sequence} entries, comma-separated, e.g.
 * {@code 0-1-4711,1-2-33}. Within a domain, sequence numbers only grow, so a position holds a
 * GTID when its own entry for that domain has at least that sequence number.
 *
 * @param sequences the last sequence number in each domain
 * @param servers the server id of that last transaction in each domain
 */
public record Gtids(Map<Long, Long> sequences, Map<Long, Long> servers) {
    /** No transaction in any domain. */
    public static final Gtids NONE = new Gtids(Map.of(), Map.of());

    public Gtids {
        sequences = Map.copyOf(sequences);
        servers = Map.copyOf(servers);
    }

    /**
     * Parses a GTID position or a single GTID.
     *
     * @throws IllegalArgumentException naming the text when it is not one
     */
    public static Gtids parse(String text) {
        if (text == null || text.isBlank()) {
            return NONE;
        }
        Map<Long, Long> sequences = new TreeMap<>();
        Map<Long, Long> servers = new TreeMap<>();
        for (String entry : text.split(",")) {
            String[] parts = entry.trim().split("-");
            try {
                if (parts.length != 3) {
                    throw new NumberFormatException();
                }
                long domain = Long.parseUnsignedLong(parts[0]);
                long server = Long.parseUnsignedLong(parts[1]);
                long sequence = Long.parseUnsignedLong(parts[2]);
                if (!sequences.containsKey(domain) || Long.compareUnsigned(sequence, sequences.get(domain)) > 0) {
                    sequences.put(domain, sequence);
                    servers.put(domain, server);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' is not a MariaDB GTID position: expected domain-server-sequence"
                        + " entries, comma-separated, such as 0-1-4711");
            }
        }
        return new Gtids(sequences, servers);
    }

    /** Whether every transaction {@code other} names is in this position. */
    public boolean contains(Gtids other) {
        for (Map.Entry<Long, Long> e : other.sequences.entrySet()) {
            Long mine = sequences.get(e.getKey());
            if (mine == null || Long.compareUnsigned(mine, e.getValue()) < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * The sequence number of a single GTID ({@code domain-server-sequence}), the log's
     * transaction id of a MariaDB leader's transaction; -1 when the text is not one GTID.
     */
    public static long sequenceOf(String gtid) {
        try {
            Gtids g = parse(gtid);
            return g.sequences.size() == 1 ? g.sequences.values().iterator().next() : -1;
        } catch (IllegalArgumentException e) {
            return -1;
        }
    }

    /** The sequence number of the newest transaction in {@code domain}, or -1. */
    public long sequence(long domain) {
        return sequences.getOrDefault(domain, -1L);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        new TreeMap<>(sequences).forEach((domain, sequence) -> {
            if (!b.isEmpty()) {
                b.append(',');
            }
            b.append(Long.toUnsignedString(domain)).append('-').append(Long.toUnsignedString(servers.get(domain))).append('-')
                    .append(Long.toUnsignedString(sequence));
        });
        return b.toString();
    }
}
