package io.tailwater.capture.postgres;

import io.debezium.jdbc.JdbcConfiguration;
import io.debezium.jdbc.JdbcConnection;
import org.postgresql.Driver;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Debezium's connections to a PostgreSQL leader, made as Debezium makes them, except that the
 * replication connection gets the application name {@link #APPLICATION_NAME} names (Debezium
 * always calls it "Debezium Streaming"): a leader's {@code synchronous_standby_names} can then
 * list one stream's capture. Debezium's other connections commit with {@code synchronous_commit =
 * local}, so that its own writes (the publication, heartbeat messages) never wait for the capture
 * they are part of. Set as {@code database.connection.factory.class}.
 */
public final class ReplicationConnectionFactory implements JdbcConnection.ConnectionFactory {
    /** The setting (under {@code database.}) that holds the replication connection's application name. */
    public static final String APPLICATION_NAME = "tailwater.replication.application.name";

    /** The session setting that keeps a session's commits from waiting for synchronous standbys. */
    public static final String LOCAL_COMMIT = "-c synchronous_commit=local";

    private static final JdbcConnection.ConnectionFactory POSTGRES = JdbcConnection.patternBasedFactory(
            "jdbc:postgresql://${" + JdbcConfiguration.HOSTNAME + "}:${" + JdbcConfiguration.PORT + "}/${" + JdbcConfiguration.DATABASE + "}",
            Driver.class.getName(), ReplicationConnectionFactory.class.getClassLoader(), JdbcConfiguration.PORT.withDefault("5432"));

    @Override
    public Connection connect(JdbcConfiguration config) throws SQLException {
        String name = config.getString(APPLICATION_NAME);
        if ("database".equals(config.getString("replication"))) {
            if (name != null) {
                config = JdbcConfiguration.adapt(config.edit().with("ApplicationName", name).build());
            }
        } else {
            // Debezium's own writes (the publication, heartbeat messages) must not wait for the standby that capture is
            String options = config.getString("options");
            config = JdbcConfiguration.adapt(config.edit().with("options", (options == null ? "" : options + " ") + LOCAL_COMMIT).build());
        }
        return POSTGRES.connect(config);
    }
}
