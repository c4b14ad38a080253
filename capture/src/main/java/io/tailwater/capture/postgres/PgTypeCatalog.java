package io.tailwater.capture.postgres;

import io.tailwater.schemas.pg.PgKinds;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * What the leader's catalog says of a type name: whether it is a domain (and over which base
 * type), an enum or something else. Debezium's column metadata names a domain or enum column by
 * its own type name only; the value converter needs the base type to read the value. Looked up
 * once per type name and cached. Capture registers one catalog per stream before starting
 * Debezium, which creates the converter itself and can hand it only strings.
 */
public final class PgTypeCatalog {
    private static final Map<String, PgTypeCatalog> BY_STREAM = new ConcurrentHashMap<>();

    /** A type as the catalog has it: {@code kind} is pg_type.typtype (b base, d domain, e enum, c composite, r range, m multirange). */
    record TypeInfo(String name, char kind, String baseName) {
        /** The name of the type values are read as: a domain's base type, else the type itself. */
        String valueTypeName() {
            return kind == 'd' && baseName != null ? baseName : name;
        }
    }

    private final Supplier<Connection> connections;
    private final Map<String, TypeInfo> types = new ConcurrentHashMap<>();

    private PgTypeCatalog(Supplier<Connection> connections) {
        this.connections = connections;
    }

    /** Makes the leader's catalog known to the converters of {@code stream}. */
    public static void register(String stream, Supplier<Connection> connections) {
        BY_STREAM.put(stream, new PgTypeCatalog(connections));
    }

    public static void unregister(String stream) {
        BY_STREAM.remove(stream);
    }

    static PgTypeCatalog of(String stream) {
        PgTypeCatalog c = BY_STREAM.get(stream);
        if (c == null) {
            throw new IllegalStateException("no leader catalog registered for stream '" + stream + "'");
        }
        return c;
    }

    /** The type of that name; built-in names need no lookup. */
    TypeInfo type(String name) {
        if (PgKinds.isBuiltIn(name)) {
            return new TypeInfo(name, 'b', null);
        }
        return types.computeIfAbsent(name, this::lookUp);
    }

    private TypeInfo lookUp(String name) {
        String sql = """
                SELECT t.typtype, bt.typname FROM pg_type t LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
                WHERE t.typname = ? ORDER BY pg_type_is_visible(t.oid) DESC LIMIT 1""";
        try (Connection c = connections.get(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return new TypeInfo(name, 'b', null);
                }
                TypeInfo info = new TypeInfo(name, rs.getString(1).charAt(0), rs.getString(2));
                if (info.kind() == 'd' && info.baseName() != null && !PgKinds.isBuiltIn(info.baseName())) {
                    TypeInfo base = type(info.baseName()); // a domain over a domain, an enum or an extension type
                    return new TypeInfo(name, 'd', base.valueTypeName());
                }
                return info;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the leader's catalog for type \"" + name + "\": " + e.getMessage(), e);
        }
    }
}
