package org.pullmail.testing;

/** A running PostgreSQL server that tests create their databases in. */
public interface PostgresServer {

    /** JDBC URL of database {@code name} on this server. */
    String jdbcUrl(String name);

    String username();

    String password();

    /** Where the server came from, for logs: "testcontainers" or "embedded". */
    String kind();
}
