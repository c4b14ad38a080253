/*
 * Copyright Debezium Authors.
 *
 * Licensed under the Apache Software License version 2.0, available at http://www.apache.org/licenses/LICENSE-2.0
 */
package io.debezium.connector.mariadb.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.Objects;

import io.debezium.connector.binlog.jdbc.BinlogFieldReader;
import io.debezium.connector.mariadb.MariaDbConnectorConfig;
import io.debezium.relational.Column;
import io.debezium.relational.Table;

/**
 * Tailwater's patched copy of Debezium 3.5.0.Final's MariaDB field reader, used by the initial
 * snapshot. Debezium's reads DATETIME and TIMESTAMP columns with
 * {@code rs.getTimestamp(i, Calendar.getInstance())}, through {@code java.sql.Timestamp} and the
 * JVM's time zone (a DATETIME in that zone's daylight-saving gap would change), and DATE and
 * DATETIME zero dates as null. This copy hands over the server's text of dates, datetimes and
 * timestamps (capture's sessions use {@code time_zone '+00:00'}), which Tailwater's converter
 * reads exactly and refuses when it is a zero date. TIME is read as Debezium does, from its text.
 */
public class MariaDbFieldReader extends BinlogFieldReader {

    public MariaDbFieldReader(MariaDbConnectorConfig connectorConfig) {
        super(connectorConfig);
    }

    /**
     * TIMESTAMP columns, which Debezium's DDL parser types as {@code TIMESTAMP_WITH_TIMEZONE}, and
     * YEAR columns, which the driver gives as a {@code java.sql.Date}, also as the server's text.
     */
    @Override
    public Object readField(ResultSet rs, int columnIndex, Column column, Table table) throws SQLException {
        if (column.jdbcType() == Types.TIMESTAMP_WITH_TIMEZONE || "TIMESTAMP".equalsIgnoreCase(column.typeName())
                || "YEAR".equalsIgnoreCase(column.typeName())) {
            return rs.getString(columnIndex);
        }
        return super.readField(rs, columnIndex, column, table);
    }

    @Override
    protected String getCharacterSet(Column column) {
        return getCharsetRegistry().getJavaEncodingForCharSet(column.charsetName());
    }

    @Override
    protected Object readTimeField(ResultSet rs, int columnIndex, Column column, Table table) throws SQLException {
        final String value = rs.getString(columnIndex);
        return Objects.isNull(value) ? null : MariaDbValueConverters.stringToDuration(value);
    }

    @Override
    protected Object readDateField(ResultSet rs, int columnIndex, Column column, Table table) throws SQLException {
        return rs.getString(columnIndex);
    }

    @Override
    protected Object readTimestampField(ResultSet rs, int columnIndex, Column column, Table table) throws SQLException {
        return rs.getString(columnIndex);
    }
}
