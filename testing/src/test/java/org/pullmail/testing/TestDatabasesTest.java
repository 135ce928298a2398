package org.pullmail.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;

import org.junit.jupiter.api.Test;

class TestDatabasesTest {

    @Test
    void givesEachServiceItsOwnDatabaseOnOneRealPostgres() throws Exception {
        String inbox = TestDatabases.database("inbox_probe");
        String outbox = TestDatabases.database("outbox_probe");
        PostgresServer server = TestDatabases.server();
        assertThat(inbox).isNotEqualTo(outbox);

        try (Connection c = DriverManager.getConnection(inbox, server.username(), server.password())) {
            c.createStatement().execute("CREATE TABLE only_in_inbox (id int)");
            ResultSet rs = c.createStatement().executeQuery("SELECT current_database(), version()");
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("inbox_probe");
            assertThat(rs.getString(2)).startsWith("PostgreSQL");
        }
        try (Connection c = DriverManager.getConnection(outbox, server.username(), server.password())) {
            ResultSet rs = c.createStatement().executeQuery(
                    "SELECT count(*) FROM information_schema.tables WHERE table_name = 'only_in_inbox'");
            rs.next();
            assertThat(rs.getInt(1)).isZero();
        }
    }
}
