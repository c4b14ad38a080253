package io.tailwater.embedded;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/** A local MariaDB server that the demo or the tests started, reached as {@code root} with no password. */
public interface MariaDbServer extends AutoCloseable {
    /** The TCP port it listens on at 127.0.0.1. */
    int port();

    /** A JDBC URL for {@code database}; connect as {@link #user()} with no password. */
    default String jdbcUrl(String database) {
        return "jdbc:mariadb://127.0.0.1:" + port() + "/" + database;
    }

    /** For reports: which server it is. */
    default String description() {
        return "MariaDB at 127.0.0.1:" + port();
    }

    default String user() {
        return "root";
    }

    /** Creates a database (if missing) and returns its JDBC URL. */
    default String createDatabase(String name) {
        try (Connection c = DriverManager.getConnection(jdbcUrl("mysql"), user(), ""); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE IF NOT EXISTS `" + name.replace("`", "``") + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin");
            return jdbcUrl(name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create MariaDB database " + name + ": " + e.getMessage(), e);
        }
    }

    @Override
    void close();
}
