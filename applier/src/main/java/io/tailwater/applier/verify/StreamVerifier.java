package io.tailwater.applier.verify;

import io.tailwater.applier.dialect.Dialect;
import io.tailwater.applier.dialect.Dialects;
import io.tailwater.applier.dialect.mariadb.MariaDbDialect;
import io.tailwater.applier.dialect.postgres.PostgresDialect;
import io.tailwater.config.LeaderKind;
import org.jooq.Name;
import org.jooq.impl.DSL;
import io.tailwater.config.FollowerConfig;
import io.tailwater.config.LeaderConfig;
import io.tailwater.schemas.TableId;
import io.tailwater.schemas.TableSchema;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/** Compares leader tables with their copies on followers, table by table (row count and content checksum). */
public final class StreamVerifier {
    private StreamVerifier() {
    }

    public static List<TableComparison> compare(LeaderConfig leader, FollowerConfig follower, List<TableId> tables) throws SQLException {
        Dialect dialect = Dialects.of(follower.kind());
        boolean mariaDb = leader.kind() == LeaderKind.MARIADB;
        Dialect leaderDialect = mariaDb ? new MariaDbDialect() : new PostgresDialect();
        List<TableComparison> out = new ArrayList<>();
        try (Connection l = connect(leader.jdbcUrl(), leader.user(), leader.password().value(), leaderDialect.connectionProperties());
             Connection f = connect(follower.jdbcUrl(), follower.user(), follower.password().value(), dialect.connectionProperties())) {
            leaderDialect.configure(l);
            l.setAutoCommit(false);
            f.setAutoCommit(false);
            for (TableId id : tables) {
                TableSchema schema = mariaDb ? TableDigests.describeMariaDb(l, id) : TableDigests.describePostgres(l, id);
                // A MariaDB leader's tables are named by database and table, as the PostgreSQL dialect names schema and table.
                Name name = mariaDb ? DSL.name(id.schema(), id.table()) : leaderDialect.tableName(id);
                TableDigest leaderDigest = TableDigests.digest(l, leaderDialect, name, schema);
                TableDigest copy;
                try {
                    copy = TableDigests.digest(f, dialect, dialect.tableName(id), schema);
                } catch (SQLException e) {
                    copy = new TableDigest(-1, 0);
                    f.rollback();
                }
                out.add(new TableComparison(id, follower.name(), leaderDigest, copy));
            }
            l.commit();
            f.commit();
        }
        return out;
    }

    /** A connection as the dialect's {@code props} make it, with the user and password (either may be null). */
    public static Connection connect(String url, String user, String password, Properties props) throws SQLException {
        if (user != null) {
            props.setProperty("user", user);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        return DriverManager.getConnection(url, props);
    }
}
