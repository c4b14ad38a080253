package io.tailwater.embedded;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/** A local PostgreSQL server that the demo, the benchmark and the tests started, reached as its superuser. */
public interface PostgresServer extends AutoCloseable {
    /** The TCP port it listens on at localhost. */
    int port();

    /** What it is, for a report: where its binaries come from and its version. */
    String description();

    /** A JDBC URL for {@code database} as the superuser. */
    default String jdbcUrl(String database) {
        return "jdbc:postgresql://localhost:" + port() + "/" + database;
    }

    /** The superuser the server was initialised with; it needs no password from localhost. */
    default String user() {
        return "postgres";
    }

    /** Creates a database (if missing) and returns its JDBC URL. */
    default String createDatabase(String name) {
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            var rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + name.replace("'", "''") + "'");
            if (!rs.next()) {
                s.execute("CREATE DATABASE \"" + name.replace("\"", "\"\"") + "\"");
            }
            return jdbcUrl(name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database \"" + name + "\": " + e.getMessage(), e);
        }
    }

    /** A new connection to {@code database} as the superuser. */
    default Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), user(), "");
    }

    @Override
    void close();
}
